"""The demo catalogue: 60 data products and cultural assets, each offered for five places,
so 300 listings in realistic Chinese and English. Used by the demo, the relevance test and
the benchmark; ``key`` is ``topic@place`` and stable.
"""

from __future__ import annotations

from dataclasses import dataclass

# place -> (Chinese name, English name, region facet value)
PLACES = {
    "sz": ("深圳", "Shenzhen", "shenzhen"),
    "gz": ("广州", "Guangzhou", "guangzhou"),
    "dg": ("东莞", "Dongguan", "dongguan"),
    "fs": ("佛山", "Foshan", "foshan"),
    "zh": ("珠海", "Zhuhai", "zhuhai"),
    "hk": ("香港", "Hong Kong", "hong_kong"),
    "mo": ("澳门", "Macao", "macao"),
    "sh": ("上海", "Shanghai", "shanghai"),
    "bj": ("北京", "Beijing", "beijing"),
    "hz": ("杭州", "Hangzhou", "hangzhou"),
    "cn": ("全国", "China", "national"),
    "gba": ("粤港澳大湾区", "Greater Bay Area", "greater_bay_area"),
    "dh": ("敦煌", "Dunhuang", "gansu"),
}

CITY5 = ("sz", "gz", "dg", "fs", "zh")
MIXED5 = ("sz", "gz", "sh", "bj", "hz")
BAY5 = ("sz", "gz", "hk", "mo", "gba")
WIDE5 = ("cn", "sz", "sh", "bj", "gba")

# Providers (index into PROVIDERS of the demo): 0 transport, 1 weather, 2 culture,
# 3 HK finance, 4 Macao tourism, 5 healthcare, 6 energy, 7 AI corpora.


@dataclass(frozen=True)
class Topic:
    """A product offered for several places."""

    key: str
    industry: str
    kind: str
    title_zh: str
    title_en: str
    description_zh: str
    description_en: str
    keywords: tuple[str, ...]
    delivery: str
    plan: str  # one_time / subscription / usage_package
    price: int  # minor units (fen) for the first place
    years: tuple[int, int]
    places: tuple[str, ...]
    provider: int
    cross_border: bool = False
    personal: str = "none"


T = Topic
TOPICS: tuple[Topic, ...] = (
    # --- transport -------------------------------------------------------------------------
    T("bus_card", "transport", "dataset", "{c}公交刷卡数据", "{e} bus card transactions",
      "{c}公交车刷卡记录，含线路、站点和时段，已脱敏。", "Anonymised smart-card taps on {e} buses with route, stop and hour.",
      ("公交", "刷卡", "交通"), "download", "one_time", 4_800_000, (2019, 2024), CITY5, 0, personal="deidentified"),
    T("metro_flow", "transport", "dataset", "{c}地铁客流统计", "{e} metro ridership statistics",
      "按站点和小时统计的{c}地铁进出站客流。", "Entries and exits per station and hour on the {e} metro.",
      ("地铁", "客流", "交通"), "api", "subscription", 1_200_000, (2020, 2025), MIXED5, 0),
    T("taxi_gps", "transport", "dataset", "{c}出租车轨迹数据", "{e} taxi GPS trajectories",
      "{c}出租车每30秒一次的GPS定位点，已匹配路网。", "GPS fixes every 30 seconds from {e} taxis, map-matched.",
      ("出租车", "轨迹", "GPS"), "download", "one_time", 3_600_000, (2021, 2024), MIXED5, 0, personal="deidentified"),
    T("road_traffic", "transport", "data_service", "{c}实时路况接口", "{e} real-time road traffic API",
      "{c}主干道实时拥堵指数与平均车速，每分钟更新。", "Congestion index and mean speed on {e} arterial roads, updated every minute.",
      ("路况", "拥堵", "交通"), "api", "usage_package", 500_000, (2024, 2026), CITY5, 0),
    T("bike_share", "transport", "dataset", "{c}共享单车骑行记录", "{e} bike-share trip records",
      "{c}共享单车订单的起终点与骑行时长。", "Origins, destinations and durations of bike-share trips in {e}.",
      ("共享单车", "出行"), "download", "one_time", 900_000, (2018, 2023), MIXED5, 0, personal="deidentified"),
    T("port_throughput", "transport", "data_report", "{c}港口集装箱吞吐量报告", "{e} container port throughput report",
      "{c}港口集装箱吞吐量与航线月度统计。", "Monthly container throughput and shipping routes of {e} ports.",
      ("港口", "集装箱", "物流"), "download", "subscription", 300_000, (2010, 2025), BAY5, 0, cross_border=True),
    T("flight_ontime", "transport", "data_report", "{c}航班准点率统计", "{e} flight on-time performance",
      "{c}机场航班准点率与延误原因分析。", "On-time performance and delay causes at {e} airports.",
      ("航班", "民航", "准点率"), "download", "one_time", 180_000, (2019, 2025), WIDE5, 0, cross_border=True),
    T("ev_charging", "transport", "data_service", "{c}新能源汽车充电桩数据", "{e} EV charging station data",
      "{c}充电桩位置、功率与实时占用状态。", "Locations, power ratings and live occupancy of EV charging points in {e}.",
      ("充电桩", "新能源", "电动汽车"), "api", "usage_package", 300_000, (2023, 2026), CITY5, 6),
    T("freight_index", "transport", "data_report", "{c}货运物流指数", "{e} freight logistics index",
      "{c}公路与港口货运量月度指数。", "Monthly index of road and port freight volumes in {e}.",
      ("物流", "货运", "指数"), "download", "subscription", 600_000, (2018, 2025), BAY5, 0, cross_border=True),
    T("vessel_ais", "transport", "data_service", "{c}船舶AIS动态", "{e} vessel AIS movements",
      "进出{c}港口船舶的AIS动态数据。", "AIS movements of vessels calling at {e}.",
      ("航运", "AIS", "船舶"), "api", "subscription", 1_000_000, (2021, 2026), BAY5, 3, cross_border=True),
    # --- meteorology -----------------------------------------------------------------------
    T("weather_obs", "meteorology", "dataset", "{c}气象站逐小时观测数据", "{e} hourly weather station observations",
      "{c}地面气象站的逐小时温度、湿度、风速和降水观测。", "Hourly temperature, humidity, wind and precipitation from {e} surface stations.",
      ("气象", "观测", "天气"), "api", "subscription", 2_500_000, (2010, 2025), WIDE5, 1),
    T("weather_forecast", "meteorology", "data_service", "{c}天气预报接口", "{e} weather forecast API",
      "{c}七天逐小时天气预报，覆盖各区县。", "Seven-day hourly weather forecasts for every district of {e}.",
      ("预报", "天气"), "api", "usage_package", 200_000, (2024, 2026), MIXED5, 1, cross_border=True),
    T("typhoon_tracks", "meteorology", "dataset", "影响{c}的台风路径历史数据集", "Typhoon tracks affecting {e}",
      "1949年以来影响{c}的台风路径、强度和风圈。", "Tracks, intensity and wind radii of every typhoon affecting {e} since 1949.",
      ("台风", "气象", "灾害"), "download", "one_time", 300_000, (1949, 2025), BAY5, 1, cross_border=True),
    T("radar_echo", "meteorology", "image", "{c}气象雷达回波图像", "{e} weather radar echo imagery",
      "{c}多普勒雷达组网拼图，每6分钟更新一次。", "Composite Doppler radar reflectivity mosaics of {e}, every six minutes.",
      ("雷达", "降水", "影像"), "api", "subscription", 1_800_000, (2022, 2026), WIDE5, 1),
    T("air_quality", "meteorology", "dataset", "{c}空气质量监测数据", "{e} air quality monitoring data",
      "{c}PM2.5、PM10、臭氧等六项污染物的小时浓度。", "Hourly PM2.5, PM10, ozone and other pollutant concentrations in {e}.",
      ("空气质量", "环境", "PM2.5"), "download", "one_time", 150_000, (2015, 2025), MIXED5, 1, cross_border=True),
    T("rainfall_grid", "meteorology", "dataset", "{c}降水格点数据", "{e} gridded precipitation data",
      "{c}一公里分辨率的逐日降水格点数据。", "Daily gridded precipitation for {e} at one-kilometre resolution.",
      ("降水", "格点", "气候"), "download", "one_time", 800_000, (2000, 2025), WIDE5, 1),
    # --- finance ---------------------------------------------------------------------------
    T("credit_score", "finance", "data_service", "{c}企业信用评分接口", "{e} enterprise credit score API",
      "基于工商、司法和税务数据的{c}企业信用评分，按次计费。", "Credit scores for {e} companies from registry, court and tax records, per call.",
      ("信用", "风控", "企业"), "api", "usage_package", 5_000_000, (2024, 2026), WIDE5, 3),
    T("sme_default", "finance", "dataset", "{c}小微企业信贷违约样本", "{e} SME loan default samples",
      "{c}小微企业贷款的还款表现，用于风控建模。", "Repayment outcomes of small-business loans in {e} for risk modelling.",
      ("信贷", "违约", "风控"), "download", "one_time", 9_800_000, (2017, 2024), MIXED5, 3, personal="deidentified"),
    T("sentiment_index", "finance", "data_service", "{c}上市公司舆情指数", "{e} listed company sentiment index",
      "新闻与社交媒体的{c}上市公司舆情日度指数。", "Daily sentiment index of {e}-listed companies from news and social media.",
      ("舆情", "股票", "指数"), "api", "subscription", 1_500_000, (2016, 2026), ("sz", "sh", "hk", "bj", "cn"), 3, cross_border=True),
    T("crossborder_payments", "finance", "data_report", "{c}跨境支付交易统计", "{e} cross-border payment statistics",
      "按币种和通道统计的{c}跨境支付笔数与金额。", "Counts and values of cross-border payments in {e} by currency and channel.",
      ("支付", "跨境", "外汇"), "download", "one_time", 200_000, (2020, 2025), BAY5, 3, cross_border=True),
    T("property_prices", "finance", "data_report", "{c}房地产成交价格月报", "{e} property transaction price report",
      "{c}新房与二手房成交套数、面积与均价月报。", "Monthly sales, floor area and average prices of new and resale homes in {e}.",
      ("房地产", "房价", "成交"), "download", "subscription", 250_000, (2015, 2026), MIXED5, 3),
    T("bond_yields", "finance", "dataset", "{c}债券收益率曲线", "{e} bond yield curves",
      "{c}市场国债与企业债的日度收益率曲线。", "Daily yield curves of government and corporate bonds in the {e} market.",
      ("债券", "收益率", "利率"), "api", "subscription", 3_000_000, (2012, 2026), ("cn", "hk", "sh", "sz", "gba"), 3, cross_border=True),
    T("insurance_claims", "finance", "dataset", "{c}车险理赔统计数据", "{e} motor insurance claims data",
      "{c}车险出险频率、案均赔款与事故类型统计。", "Claim frequency, average payouts and accident types of motor insurance in {e}.",
      ("保险", "理赔", "车险"), "download", "one_time", 2_200_000, (2018, 2024), MIXED5, 3, personal="deidentified"),
    # --- healthcare ------------------------------------------------------------------------
    T("ct_images", "healthcare", "image", "{c}肺部CT影像数据集", "{e} chest CT imaging dataset",
      "{c}三甲医院的肺部CT影像，已去标识化，附放射科报告。", "De-identified chest CT scans from {e} hospitals with radiology reports.",
      ("医疗", "影像", "CT"), "download", "one_time", 12_000_000, (2018, 2024), MIXED5, 5, personal="deidentified"),
    T("ehr_chronic", "healthcare", "dataset", "{c}慢病电子病历结构化数据", "{e} structured EHRs of chronic diseases",
      "{c}糖尿病与高血压患者的结构化电子病历，隐私计算环境内使用。", "Structured EHRs of diabetes and hypertension patients in {e}, used inside a privacy sandbox.",
      ("病历", "慢病", "医疗健康"), "api", "subscription", 8_000_000, (2016, 2025), CITY5, 5, personal="deidentified"),
    T("adverse_drug", "healthcare", "data_report", "{c}药品不良反应报告汇编", "{e} adverse drug reaction reports",
      "{c}药品不良反应自发报告的年度汇编与统计。", "Annual compilation of spontaneous adverse drug reaction reports in {e}.",
      ("药品", "药物警戒", "不良反应"), "download", "one_time", 150_000, (2019, 2025), WIDE5, 5),
    T("online_consult", "healthcare", "data_report", "{c}互联网医院问诊统计", "{e} online hospital consultation statistics",
      "{c}互联网医院各科室问诊量与满意度月报。", "Monthly consultations and satisfaction per department of online hospitals in {e}.",
      ("问诊", "互联网医院", "医疗健康"), "download", "subscription", 300_000, (2021, 2026), MIXED5, 5),
    T("genome_samples", "healthcare", "dataset", "{c}人群基因测序样本集", "{e} population genome sequencing samples",
      "经伦理审批的{c}人群全基因组测序样本。", "Whole-genome sequencing samples from {e} cohorts, released under ethics approval.",
      ("基因", "测序", "生物"), "download", "one_time", 6_000_000, (2020, 2024), ("sz", "gz", "sh", "bj", "hz"), 5, personal="deidentified"),
    T("hospital_beds", "healthcare", "data_service", "{c}医院床位与门诊量接口", "{e} hospital beds and outpatient volume API",
      "{c}各医院床位使用率与门诊量的日度数据。", "Daily bed occupancy and outpatient volumes of {e} hospitals.",
      ("医院", "床位", "门诊"), "api", "usage_package", 400_000, (2022, 2026), CITY5, 5),
    # --- culture and tourism ---------------------------------------------------------------
    T("murals", "culture_tourism", "image", "{c}壁画高清图像", "{e} mural high-resolution images",
      "{c}石窟与寺观壁画的高清数字图像，提供商用授权。", "High-resolution digital images of cave and temple murals in {e}, licensed for commercial use.",
      ("壁画", "文物", "数字文化"), "download", "one_time", 20_000_000, (2015, 2024), ("dh", "bj", "sh", "hz", "gz"), 2, cross_border=True),
    T("opera_audio", "culture_tourism", "audio", "{c}戏曲经典唱段音频", "{e} classic opera arias audio",
      "{c}戏曲名家经典唱段的修复音频，附曲谱。", "Restored audio of classic opera arias from {e}, with scores.",
      ("戏曲", "粤剧", "非遗"), "download", "one_time", 800_000, (1950, 1995), ("gz", "hk", "sz", "fs", "mo"), 2, cross_border=True),
    T("artefact_3d", "culture_tourism", "model_3d", "{c}博物馆文物三维模型", "{e} museum artefact 3D models",
      "{c}博物馆馆藏青铜器与瓷器的三维扫描模型。", "3D scans of bronzes and porcelain in {e} museum collections.",
      ("文物", "三维", "博物馆"), "download", "one_time", 15_000_000, (2019, 2025), ("bj", "sh", "gz", "hz", "dh"), 2, cross_border=True),
    T("ancient_books", "culture_tourism", "text", "{c}古籍数字化文本", "{e} digitised ancient books",
      "{c}地区明清古籍的全文数字化与标点整理。", "Full-text digitisation and punctuation of Ming and Qing books from {e}.",
      ("古籍", "文献", "数字人文"), "api", "subscription", 500_000, (1368, 1911), ("gz", "bj", "sh", "hz", "fs"), 2, cross_border=True),
    T("documentary", "culture_tourism", "video", "{c}城市纪录片素材", "{e} city documentary footage",
      "改革开放以来{c}城市变迁的纪录片视频素材。", "Documentary footage of {e}'s transformation since the reform era.",
      ("纪录片", "视频", "城市"), "download", "one_time", 2_500_000, (1980, 2024), ("sz", "gz", "sh", "hk", "zh"), 2, cross_border=True),
    T("woodcarving", "culture_tourism", "image", "{c}木雕图像库", "{e} woodcarving image library",
      "{c}传统木雕作品的高清摄影图像库。", "High-resolution photographs of traditional woodcarvings from {e}.",
      ("木雕", "非遗", "工艺"), "download", "one_time", 600_000, (2018, 2024), ("gz", "fs", "dg", "hz", "zh"), 2),
    T("tourist_flow", "culture_tourism", "data_service", "{c}旅游景区客流监测", "{e} tourist attraction visitor counts",
      "{c}主要景区的实时与历史客流。", "Live and historical visitor counts at major attractions in {e}.",
      ("旅游", "景区", "客流"), "api", "usage_package", 400_000, (2023, 2026), ("mo", "hk", "sz", "gz", "zh"), 4, cross_border=True),
    T("hotel_occupancy", "culture_tourism", "data_report", "{c}酒店入住率报告", "{e} hotel occupancy report",
      "{c}酒店入住率、平均房价与客源地月度报告。", "Monthly hotel occupancy, average daily rate and visitor origins in {e}.",
      ("酒店", "入住率", "旅游"), "download", "subscription", 350_000, (2019, 2026), ("mo", "hk", "sz", "gz", "zh"), 4, cross_border=True),
    T("digital_collectibles", "culture_tourism", "image", "{c}博物馆数字藏品授权包", "{e} museum digital collectibles licences",
      "{c}博物馆文物数字藏品的版权授权包。", "Copyright licence packages for digital collectibles of {e} museum artefacts.",
      ("数字藏品", "版权", "文物"), "download", "one_time", 3_000_000, (2022, 2025), ("bj", "sh", "dh", "gz", "hz"), 2),
    T("folk_music", "culture_tourism", "audio", "{c}民间音乐采风录音", "{e} folk music field recordings",
      "{c}民间音乐田野采风录音，附曲目标注。", "Folk music field recordings from {e} with track annotations.",
      ("民乐", "音频", "非遗"), "download", "one_time", 450_000, (1960, 2015), ("gz", "mo", "hk", "fs", "dh"), 2, cross_border=True),
    # --- government, geospatial ------------------------------------------------------------
    T("company_registry", "government", "data_service", "{c}企业工商登记信息接口", "{e} company registration records API",
      "{c}企业名称、统一社会信用代码、注册资本和经营范围。", "Company names, unified social credit codes, registered capital and business scope in {e}.",
      ("工商", "企业", "登记"), "api", "usage_package", 1_000_000, (2024, 2026), WIDE5, 0),
    T("procurement", "government", "dataset", "{c}政府采购中标公告", "{e} government procurement award notices",
      "{c}各级政府采购中标结果的结构化数据。", "Structured award notices from government procurement in {e}.",
      ("采购", "招投标", "政务"), "download", "one_time", 100_000, (2015, 2026), WIDE5, 0),
    T("population_heatmap", "government", "dataset", "{c}人口热力图", "{e} population heatmap",
      "基于手机信令的{c}人口分布热力图，按小时聚合。", "Hourly population density of {e} from aggregated mobile signalling.",
      ("人口", "手机信令", "热力图"), "api", "subscription", 5_000_000, (2022, 2025), CITY5, 0, personal="deidentified"),
    T("admin_boundaries", "government", "dataset", "{c}行政区划矢量地图", "{e} administrative boundaries map",
      "{c}区、街道、社区三级行政区划矢量数据。", "Vector boundaries of districts, subdistricts and communities in {e}.",
      ("地图", "行政区划", "地理信息"), "download", "one_time", 50_000, (2023, 2025), CITY5, 0),
    T("satellite", "government", "image", "{c}高分辨率卫星遥感影像", "{e} high-resolution satellite imagery",
      "{c}0.5米分辨率的卫星遥感影像，季度更新。", "Half-metre satellite imagery of {e}, refreshed every quarter.",
      ("遥感", "卫星", "影像"), "download", "subscription", 30_000_000, (2020, 2026), WIDE5, 0),
    T("poi", "government", "data_service", "{c}兴趣点POI数据", "{e} points of interest data",
      "{c}商户、学校、医院等兴趣点名称、类别和坐标。", "Names, categories and coordinates of shops, schools, hospitals and other places in {e}.",
      ("POI", "地图", "商户"), "api", "usage_package", 100_000, (2024, 2026), MIXED5, 0),
    T("building_3d", "government", "model_3d", "{c}建筑物三维白模", "{e} building 3D massing models",
      "{c}建筑物的三维白模与高度数据。", "3D massing models and heights of buildings in {e}.",
      ("三维", "建筑", "数字孪生"), "download", "one_time", 4_000_000, (2022, 2025), CITY5, 0),
    # --- energy ----------------------------------------------------------------------------
    T("grid_load", "energy", "dataset", "{c}电网负荷曲线数据", "{e} power grid load curves",
      "{c}15分钟粒度的电网负荷曲线。", "Grid load curves of {e} at 15-minute resolution.",
      ("电力", "负荷", "电网"), "api", "subscription", 2_000_000, (2019, 2025), CITY5, 6),
    T("solar_forecast", "energy", "data_service", "{c}光伏发电功率预测", "{e} solar power output forecasts",
      "{c}分布式光伏电站的日前功率预测。", "Day-ahead output forecasts for distributed solar plants in {e}.",
      ("光伏", "预测", "新能源"), "api", "subscription", 900_000, (2024, 2026), ("sz", "gz", "dg", "fs", "hz"), 6),
    T("carbon_accounts", "energy", "dataset", "{c}碳排放核算数据集", "{e} carbon emission accounting dataset",
      "{c}重点企业碳排放核算结果与排放因子。", "Carbon emission accounts of key enterprises in {e} and emission factors.",
      ("碳排放", "双碳", "环境"), "download", "one_time", 1_100_000, (2018, 2024), WIDE5, 6, cross_border=True),
    T("building_energy", "energy", "dataset", "{c}公共建筑能耗监测", "{e} public building energy monitoring",
      "{c}公共建筑分项能耗的逐时监测数据。", "Hourly metered energy use by end use in {e} public buildings.",
      ("能耗", "建筑", "节能"), "download", "one_time", 700_000, (2020, 2025), MIXED5, 6),
    # --- retail, manufacturing, agriculture, education, AI ----------------------------------
    T("footfall", "other", "dataset", "{c}零售门店客流数据", "{e} retail store footfall data",
      "{c}购物中心与门店的小时客流统计。", "Hourly footfall counts for malls and stores in {e}.",
      ("零售", "客流", "商圈"), "api", "subscription", 700_000, (2022, 2025), MIXED5, 0),
    T("ecommerce_prices", "other", "data_report", "{c}电商商品价格指数", "{e} e-commerce price index",
      "{c}主要电商平台商品价格的日度指数。", "Daily price index of goods on major e-commerce platforms in {e}.",
      ("电商", "价格", "指数"), "download", "subscription", 400_000, (2019, 2026), ("cn", "sz", "hz", "sh", "gz"), 3),
    T("crossborder_ecommerce", "other", "data_report", "{c}跨境电商出口统计", "{e} cross-border e-commerce export statistics",
      "{c}跨境电商出口的品类、目的地和金额统计。", "Export statistics of cross-border e-commerce from {e} by category and destination.",
      ("跨境", "电商", "出口"), "download", "one_time", 350_000, (2020, 2025), ("sz", "gz", "dg", "hz", "gba"), 3, cross_border=True),
    T("defect_images", "manufacturing", "image", "{c}工业质检缺陷图像", "{e} industrial inspection defect images",
      "{c}电子元件表面缺陷的标注图像。", "Annotated images of surface defects on electronic components from {e} factories.",
      ("质检", "缺陷", "制造"), "download", "one_time", 2_200_000, (2021, 2025), ("sz", "dg", "fs", "zh", "sh"), 7),
    T("machine_sensors", "manufacturing", "dataset", "{c}工厂设备传感器数据", "{e} factory equipment sensor data",
      "{c}数控机床振动、温度和电流的秒级数据。", "Per-second vibration, temperature and current from CNC machines in {e}.",
      ("传感器", "预测性维护", "制造"), "api", "subscription", 1_300_000, (2022, 2026), ("dg", "fs", "sz", "gz", "zh"), 7),
    T("crop_yield", "agriculture", "data_report", "{c}农作物遥感估产报告", "{e} crop yield estimates from remote sensing",
      "基于遥感的{c}水稻与小麦产量估算报告。", "Rice and wheat yield estimates for {e} derived from remote sensing.",
      ("农业", "遥感", "估产"), "download", "one_time", 220_000, (2020, 2025), ("cn", "gz", "fs", "hz", "gba"), 1),
    T("hog_prices", "agriculture", "data_service", "{c}生猪价格行情接口", "{e} live hog price API",
      "{c}主要产区生猪日度价格。", "Daily live hog prices in the producing regions of {e}.",
      ("生猪", "价格", "农业"), "api", "usage_package", 200_000, (2024, 2026), ("cn", "gz", "fs", "hz", "sh"), 1),
    T("paper_metadata", "education", "dataset", "{c}高校科研论文元数据", "{e} university research paper metadata",
      "{c}高校科研论文的题名、作者、机构和引文。", "Titles, authors, affiliations and citations of research papers from {e} universities.",
      ("论文", "科研", "高校"), "api", "subscription", 600_000, (2000, 2025), MIXED5, 7, cross_border=True),
    T("mandarin_speech", "other", "audio", "{c}普通话语音识别训练语料", "{e} Mandarin speech recognition corpus",
      "{c}采集的普通话朗读语音与转写文本，适用于语音识别训练。", "Read Mandarin speech recorded in {e} with transcripts for ASR training.",
      ("语音", "语料", "人工智能"), "download", "one_time", 18_000_000, (2020, 2025), MIXED5, 7, personal="deidentified"),
    T("cantonese_speech", "other", "audio", "{c}粤语语音语料库", "{e} Cantonese speech corpus",
      "{c}粤语自然对话语音与标注，适用于语音识别。", "Conversational Cantonese speech from {e} with annotations for speech recognition.",
      ("粤语", "语音", "语料"), "download", "one_time", 6_000_000, (2021, 2025), ("gz", "hk", "mo", "fs", "sz"), 7, cross_border=True),
    T("instruction_tuning", "other", "text", "{c}中文大模型指令微调数据集", "{e} Chinese LLM instruction tuning dataset",
      "覆盖{c}政务、金融和医疗场景的中文指令微调样本。", "Chinese instruction-following samples covering government, finance and healthcare in {e}.",
      ("大模型", "微调", "人工智能"), "download", "one_time", 25_000_000, (2023, 2026), MIXED5, 7),
    T("driving_scenes", "other", "image", "{c}自动驾驶道路场景图像", "{e} autonomous driving road scene images",
      "{c}城市道路场景的标注图像，含车辆与行人框。", "Annotated urban road scenes in {e} with vehicle and pedestrian boxes.",
      ("自动驾驶", "标注", "交通"), "download", "one_time", 14_000_000, (2022, 2025), MIXED5, 7, personal="deidentified"),
)  # fmt: skip

#: What the providers state about each product besides its text: update frequency, record
#: count and the field schema (``name: type: 中文说明 English description``), as a real listing's
#: asset would carry them. The search document is built from these too.
FACTS: dict[str, tuple[str, int, tuple[str, ...]]] = {
    "bus_card": ("monthly", 420_000_000, (
        "card_id_hash: string: 卡号哈希 hashed card number", "line: string: 线路 bus route",
        "stop: string: 上车站点 boarding stop", "tap_time: datetime: 刷卡时间 tap time",
        "fare: integer: 票价（分） fare in fen")),
    "metro_flow": ("daily", 3_500_000, (
        "station: string: 车站 station", "line: string: 线路 line",
        "hour: datetime: 统计小时 hour", "entries: integer: 进站人数 entries",
        "exits: integer: 出站人数 exits")),
    "taxi_gps": ("monthly", 2_100_000_000, (
        "vehicle_hash: string: 车辆哈希 hashed vehicle id", "time: datetime: 定位时间 fix time",
        "lon: float: 经度 longitude", "lat: float: 纬度 latitude", "speed: float: 车速 speed",
        "occupied: boolean: 载客状态 carrying passengers")),
    "road_traffic": ("realtime", 8_000_000, (
        "road_id: string: 路段编号 road segment", "road_name: string: 道路名称 road name",
        "congestion_index: float: 拥堵指数 congestion index",
        "mean_speed: float: 平均车速 mean speed", "volume: integer: 车流量 vehicle count",
        "time: datetime: 时间 time")),
    "bike_share": ("monthly", 96_000_000, (
        "order_hash: string: 订单哈希 hashed order id", "start_time: datetime: 开始时间 start time",
        "start_lon: float: 起点经度 origin longitude", "start_lat: float: 起点纬度 origin latitude",
        "end_lon: float: 终点经度 destination longitude",
        "end_lat: float: 终点纬度 destination latitude", "minutes: integer: 骑行时长 duration")),
    "port_throughput": ("monthly", 9_000, (
        "month: date: 月份 month", "terminal: string: 码头 terminal",
        "teu: integer: 集装箱吞吐量（标箱） throughput in TEU",
        "route: string: 航线 shipping route", "direction: string: 进出口 import or export")),
    "flight_ontime": ("monthly", 1_200_000, (
        "flight_no: string: 航班号 flight number", "airline: string: 航空公司 airline",
        "airport: string: 机场 airport", "scheduled: datetime: 计划时间 scheduled time",
        "actual: datetime: 实际时间 actual time", "delay_minutes: integer: 延误分钟 delay",
        "delay_cause: string: 延误原因 delay cause")),
    "ev_charging": ("realtime", 85_000, (
        "station_id: string: 充电站编号 station id", "operator: string: 运营商 operator",
        "lon: float: 经度 longitude", "lat: float: 纬度 latitude",
        "power_kw: float: 功率 power rating", "connector: string: 接口类型 connector type",
        "status: string: 空闲或占用 free or occupied")),
    "freight_index": ("monthly", 2_400, (
        "month: date: 月份 month", "mode: string: 公路或港口 road or port",
        "volume_tonnes: integer: 货运量（吨） freight volume", "index: float: 指数 index")),
    "vessel_ais": ("realtime", 650_000_000, (
        "mmsi: string: 船舶MMSI vessel MMSI", "vessel_type: string: 船舶类型 vessel type",
        "time: datetime: 时间 time", "lon: float: 经度 longitude", "lat: float: 纬度 latitude",
        "speed_knots: float: 航速 speed", "destination: string: 目的港 destination port")),
    "weather_obs": ("realtime", 48_000_000, (
        "station_id: string: 气象站号 station id", "time: datetime: 观测时间 observation time",
        "temperature: float: 气温 temperature", "humidity: float: 相对湿度 humidity",
        "wind_speed: float: 风速 wind speed", "wind_direction: integer: 风向 wind direction",
        "precipitation: float: 降水量 precipitation")),
    "weather_forecast": ("realtime", 0, (
        "district: string: 区县 district", "time: datetime: 预报时间 forecast time",
        "weather: string: 天气现象 weather", "temperature: float: 气温 temperature",
        "precipitation_probability: float: 降水概率 chance of rain",
        "wind_speed: float: 风速 wind speed")),
    "typhoon_tracks": ("yearly", 62_000, (
        "typhoon_no: string: 台风编号 typhoon number", "name: string: 台风名称 name",
        "time: datetime: 时间 time", "lon: float: 中心经度 centre longitude",
        "lat: float: 中心纬度 centre latitude", "pressure: integer: 中心气压 central pressure",
        "max_wind: float: 最大风速 maximum wind", "grade: string: 强度等级 intensity")),
    "radar_echo": ("realtime", 900_000, (
        "time: datetime: 时间 time", "reflectivity_dbz: float: 反射率 reflectivity",
        "file: string: 图像文件 image file", "resolution_km: float: 分辨率 resolution")),
    "air_quality": ("daily", 6_500_000, (
        "station: string: 监测站 monitoring station", "time: datetime: 时间 time",
        "aqi: integer: 空气质量指数 AQI", "pm25: float: PM2.5浓度 PM2.5",
        "pm10: float: PM10浓度 PM10", "o3: float: 臭氧 ozone", "no2: float: 二氧化氮 NO2",
        "so2: float: 二氧化硫 SO2", "co: float: 一氧化碳 CO")),
    "rainfall_grid": ("daily", 180_000_000, (
        "date: date: 日期 date", "grid_id: string: 格点编号 grid cell",
        "lon: float: 经度 longitude", "lat: float: 纬度 latitude",
        "rainfall_mm: float: 日降水量 daily rainfall")),
    "credit_score": ("realtime", 0, (
        "credit_code: string: 统一社会信用代码 unified social credit code",
        "score: integer: 信用评分 credit score", "grade: string: 信用等级 credit grade",
        "court_cases: integer: 司法涉诉 court cases", "tax_grade: string: 纳税等级 tax rating",
        "risk_tags: string: 风险标签 risk tags")),
    "sme_default": ("once", 380_000, (
        "loan_hash: string: 贷款哈希 hashed loan id", "industry: string: 行业 industry",
        "amount: integer: 贷款金额 loan amount", "term_months: integer: 期限 term",
        "overdue_days: integer: 逾期天数 days overdue", "default: boolean: 是否违约 defaulted")),
    "sentiment_index": ("daily", 4_000_000, (
        "stock_code: string: 股票代码 stock code", "date: date: 日期 date",
        "sentiment: float: 情绪得分 sentiment score", "news_count: integer: 新闻数 news items",
        "posts: integer: 社交媒体帖子数 social media posts")),
    "crossborder_payments": ("monthly", 36_000, (
        "month: date: 月份 month", "currency: string: 币种 currency",
        "channel: string: 支付通道 payment channel", "count: integer: 笔数 number of payments",
        "amount: integer: 金额 value")),
    "property_prices": ("monthly", 24_000, (
        "month: date: 月份 month", "district: string: 区域 district",
        "type: string: 新房或二手房 new or resale", "units: integer: 成交套数 units sold",
        "area_m2: float: 成交面积 floor area", "price_per_m2: integer: 成交均价 average price")),
    "bond_yields": ("daily", 1_100_000, (
        "date: date: 日期 date", "curve: string: 国债或企业债 government or corporate",
        "tenor: string: 期限 tenor", "yield: float: 收益率 yield")),
    "insurance_claims": ("yearly", 2_600_000, (
        "year: integer: 年份 year", "vehicle_type: string: 车型 vehicle type",
        "accident_type: string: 事故类型 accident type",
        "claim_frequency: float: 出险频率 claim frequency",
        "average_payout: integer: 案均赔款 average payout")),
    "ct_images": ("once", 42_000, (
        "study_id: string: 检查编号 study id", "age: integer: 年龄 age", "sex: string: 性别 sex",
        "slices: integer: 层数 slices", "finding: string: 影像所见 finding",
        "report: string: 放射科报告 radiology report")),
    "ehr_chronic": ("monthly", 12_000_000, (
        "patient_hash: string: 患者哈希 hashed patient id", "diagnosis: string: 诊断 diagnosis",
        "visit_date: date: 就诊日期 visit date", "lab_results: string: 检验结果 lab results",
        "prescriptions: string: 处方 prescriptions")),
    "adverse_drug": ("yearly", 160_000, (
        "report_id: string: 报告编号 report id", "drug: string: 药品名称 drug",
        "reaction: string: 不良反应 reaction", "severity: string: 严重程度 severity",
        "year: integer: 年份 year")),
    "online_consult": ("monthly", 30_000, (
        "month: date: 月份 month", "department: string: 科室 department",
        "consultations: integer: 问诊量 consultations",
        "satisfaction: float: 满意度 satisfaction")),
    "genome_samples": ("once", 5_000, (
        "sample_id: string: 样本编号 sample id", "coverage: float: 测序深度 sequencing depth",
        "platform: string: 测序平台 platform", "vcf: string: 变异文件 variant file")),
    "hospital_beds": ("daily", 1_500_000, (
        "hospital: string: 医院 hospital", "date: date: 日期 date",
        "beds: integer: 床位数 beds", "occupancy: float: 床位使用率 bed occupancy",
        "outpatients: integer: 门诊量 outpatient visits",
        "emergencies: integer: 急诊量 emergency visits")),
    "murals": ("once", 3_800, (
        "image_id: string: 图像编号 image id", "site: string: 洞窟或寺观 cave or temple",
        "dynasty: string: 朝代 dynasty", "subject: string: 题材 subject",
        "resolution: string: 分辨率 resolution")),
    "opera_audio": ("once", 1_200, (
        "track: string: 曲目 track", "performer: string: 表演者 performer",
        "genre: string: 剧种 genre", "year: integer: 录制年份 year recorded",
        "duration: integer: 时长 duration", "score: string: 曲谱 score")),
    "artefact_3d": ("once", 900, (
        "object_id: string: 藏品编号 object id", "name: string: 名称 name",
        "material: string: 材质 material", "dynasty: string: 年代 period",
        "format: string: 模型格式 model format", "faces: integer: 面数 polygon count")),
    "ancient_books": ("monthly", 6_000, (
        "title: string: 书名 title", "author: string: 作者 author",
        "edition: string: 版本 edition", "text: string: 全文 full text")),
    "documentary": ("once", 2_400, (
        "clip_id: string: 片段编号 clip id", "year: integer: 拍摄年份 year shot",
        "location: string: 拍摄地点 location", "subject: string: 内容 subject",
        "duration: integer: 时长 duration", "resolution: string: 分辨率 resolution")),
    "woodcarving": ("once", 5_600, (
        "image_id: string: 图像编号 image id", "work: string: 作品名称 work",
        "craftsman: string: 工艺师 craftsman", "style: string: 流派 style",
        "resolution: string: 分辨率 resolution")),
    "tourist_flow": ("realtime", 2_000_000, (
        "attraction: string: 景区 attraction", "time: datetime: 时间 time",
        "visitors: integer: 在园人数 visitors on site", "arrivals: integer: 入园人数 arrivals",
        "capacity: integer: 最大承载量 capacity")),
    "hotel_occupancy": ("monthly", 12_000, (
        "month: date: 月份 month", "star_rating: string: 星级 star rating",
        "occupancy: float: 入住率 occupancy rate", "adr: float: 平均房价 average daily rate",
        "origin: string: 客源地 visitor origin")),
    "digital_collectibles": ("once", 700, (
        "item_id: string: 藏品编号 item id", "artefact: string: 文物名称 artefact",
        "licence: string: 授权范围 licence scope", "image: string: 图像文件 image file")),
    "folk_music": ("once", 3_100, (
        "track: string: 曲目 track", "performer: string: 演奏者 performer",
        "instrument: string: 乐器 instrument", "place: string: 采录地点 place recorded",
        "year: integer: 采录年份 year recorded")),
    "company_registry": ("daily", 3_600_000, (
        "credit_code: string: 统一社会信用代码 unified social credit code",
        "name: string: 企业名称 company name", "legal_rep: string: 法定代表人 legal representative",
        "capital: integer: 注册资本 registered capital",
        "scope: string: 经营范围 business scope", "status: string: 登记状态 status",
        "shareholders: string: 股东 shareholders")),
    "procurement": ("daily", 260_000, (
        "notice_id: string: 公告编号 notice id", "buyer: string: 采购人 purchaser",
        "winner: string: 中标人 winning bidder", "amount: integer: 中标金额 award amount",
        "date: date: 公告日期 notice date", "category: string: 品目 category")),
    "population_heatmap": ("daily", 90_000_000, (
        "grid_id: string: 网格编号 grid cell", "hour: datetime: 小时 hour",
        "people: integer: 人数 people", "lon: float: 经度 longitude",
        "lat: float: 纬度 latitude")),
    "admin_boundaries": ("yearly", 4_200, (
        "code: string: 区划代码 administrative code", "name: string: 名称 name",
        "level: string: 区、街道或社区 district, subdistrict or community",
        "geometry: geometry: 边界多边形 boundary polygon")),
    "satellite": ("quarterly", 1_600, (
        "scene_id: string: 景号 scene id", "date: date: 成像日期 acquisition date",
        "resolution_m: float: 分辨率 resolution", "cloud: float: 云量 cloud cover",
        "bands: string: 波段 bands")),
    "poi": ("monthly", 1_900_000, (
        "poi_id: string: 编号 id", "name: string: 名称 name", "category: string: 类别 category",
        "address: string: 地址 address", "lon: float: 经度 longitude",
        "lat: float: 纬度 latitude")),
    "building_3d": ("yearly", 640_000, (
        "building_id: string: 建筑编号 building id", "height_m: float: 高度 height",
        "floors: integer: 层数 floors", "footprint: geometry: 底面轮廓 footprint",
        "use: string: 用途 use")),
    "grid_load": ("daily", 35_000_000, (
        "feeder: string: 线路 feeder", "time: datetime: 时间 time",
        "load_mw: float: 负荷 load", "district: string: 区域 district")),
    "solar_forecast": ("daily", 4_500_000, (
        "plant_id: string: 电站编号 plant id", "capacity_kw: float: 装机容量 capacity",
        "time: datetime: 时间 time", "forecast_kw: float: 预测功率 forecast output",
        "irradiance: float: 辐照度 irradiance")),
    "carbon_accounts": ("yearly", 48_000, (
        "enterprise: string: 企业 enterprise", "year: integer: 年份 year",
        "industry: string: 行业 industry", "emissions_t: float: 排放量（吨） emissions",
        "factor: float: 排放因子 emission factor")),
    "building_energy": ("daily", 22_000_000, (
        "building_id: string: 建筑编号 building id", "time: datetime: 时间 time",
        "end_use: string: 分项 end use", "kwh: float: 用电量 electricity use")),
    "footfall": ("daily", 15_000_000, (
        "store_id: string: 门店编号 store id", "mall: string: 商场 mall",
        "hour: datetime: 小时 hour", "visitors: integer: 客流量 visitors")),
    "ecommerce_prices": ("daily", 5_000_000, (
        "date: date: 日期 date", "platform: string: 平台 platform",
        "category: string: 商品类别 product category", "index: float: 价格指数 price index")),
    "crossborder_ecommerce": ("monthly", 70_000, (
        "month: date: 月份 month", "category: string: 品类 category",
        "destination: string: 目的地 destination", "orders: integer: 订单量 orders",
        "value: integer: 金额 value")),
    "defect_images": ("once", 120_000, (
        "image_id: string: 图像编号 image id", "component: string: 元件类型 component",
        "defect: string: 缺陷类别 defect type", "bbox: string: 标注框 bounding box")),
    "machine_sensors": ("realtime", 3_000_000_000, (
        "machine_id: string: 设备编号 machine id", "time: datetime: 时间 time",
        "vibration: float: 振动 vibration", "temperature: float: 温度 temperature",
        "current: float: 电流 current", "fault: string: 故障记录 fault")),
    "crop_yield": ("yearly", 3_000, (
        "county: string: 县 county", "year: integer: 年份 year", "crop: string: 作物 crop",
        "area_ha: float: 种植面积 planted area", "yield_t: float: 估算产量 estimated yield")),
    "hog_prices": ("daily", 400_000, (
        "date: date: 日期 date", "province: string: 省份 province",
        "price: float: 生猪价格 live hog price")),
    "paper_metadata": ("weekly", 8_000_000, (
        "title: string: 题名 title", "authors: string: 作者 authors",
        "institution: string: 机构 institution", "year: integer: 年份 year",
        "citations: integer: 引用次数 citations")),
    "mandarin_speech": ("once", 1_000_000, (
        "utterance_id: string: 语句编号 utterance id", "speaker: string: 说话人 speaker",
        "audio: string: 音频文件 audio file", "transcript: string: 转写文本 transcript",
        "duration: float: 时长 duration")),
    "cantonese_speech": ("once", 300_000, (
        "utterance_id: string: 语句编号 utterance id", "speaker: string: 说话人 speaker",
        "audio: string: 音频文件 audio file", "transcript: string: 转写文本 transcript",
        "duration: float: 时长 duration")),
    "instruction_tuning": ("once", 2_000_000, (
        "instruction: string: 指令 instruction", "input: string: 输入 input",
        "output: string: 回答 response", "domain: string: 领域 domain")),
    "driving_scenes": ("once", 450_000, (
        "image_id: string: 图像编号 image id", "weather: string: 天气 weather",
        "time_of_day: string: 时段 time of day", "boxes: string: 车辆与行人框 vehicle and pedestrian boxes")),
}  # fmt: skip


#: What each product's provider writes on its listing besides the title: the everyday and
#: English names of the data as keywords (added to the topic's own, at most 20 in all), and who
#: buys it for what (适用场景 / Typical uses), ending both descriptions.
LISTED: dict[str, tuple[tuple[str, ...], str, str]] = {
    "bus_card": (
        ("公交卡", "交通卡", "一卡通", "乘车记录", "客流", "通勤", "bus", "smart card", "ridership"),
        "公交线网优化、客流分析与预测、职住通勤研究",
        "bus network planning, ridership analysis and forecasting, commuting studies"),
    "metro_flow": (
        ("轨道交通", "进出站", "客流量", "地铁站", "通勤", "metro", "subway", "ridership",
         "passenger flow"),
        "客流预测、运营调度、站点周边商圈分析",
        "ridership forecasting, service planning, retail catchment analysis near stations"),
    "taxi_gps": (
        ("的士", "浮动车", "车辆轨迹", "行程", "出行", "taxi", "GPS trajectory", "floating car"),
        "出行需求分析、路况与车速估计、交通规划、出租车与网约车运营研究",
        "travel demand analysis, traffic speed estimation, transport planning, taxi and "
        "ride-hailing operations"),
    "road_traffic": (
        ("拥堵指数", "车速", "车流量", "路网", "道路交通", "实时交通", "traffic congestion",
         "traffic speed", "road network"),
        "导航与物流路径规划、交通管理与信号优化、出行时间预测",
        "navigation and logistics routing, traffic management, travel time prediction"),
    "bike_share": (
        ("单车", "自行车", "骑行", "慢行交通", "订单", "bike sharing", "cycling",
         "micromobility"),
        "车辆调度与投放、慢行交通与自行车道规划、最后一公里接驳研究",
        "fleet rebalancing, cycling infrastructure planning, last-mile studies"),
    "port_throughput": (
        ("吞吐量", "标箱", "TEU", "码头", "航线", "航运", "外贸", "container throughput",
         "port statistics"),
        "航运与物流市场研究、外贸景气分析、港口投资评估",
        "shipping market research, trade outlook, port investment appraisal"),
    "flight_ontime": (
        ("航班延误", "延误", "机场", "航空公司", "航空", "flight delays", "on-time performance",
         "airline", "airport"),
        "航空公司运营对标、航班延误险定价、出行服务",
        "airline operations benchmarking, flight delay insurance pricing, travel apps"),
    "ev_charging": (
        ("充电站", "充电设施", "电动车", "快充", "新能源汽车", "EV charging", "charging station",
         "charger"),
        "充电站选址、充电导航应用、配电网规划、新能源汽车市场研究",
        "charging site selection, charger-finding apps, distribution grid planning, EV market "
        "research"),
    "freight_index": (
        ("货运量", "物流指数", "公路货运", "港口货运", "物流景气", "freight volume",
         "logistics index", "trucking"),
        "物流行业研究、供应链与运力规划、宏观经济景气监测",
        "logistics research, supply chain and capacity planning, tracking economic activity"),
    "vessel_ais": (
        ("船舶轨迹", "船位", "船舶动态", "港口", "海事", "ship tracking", "vessel tracking",
         "maritime"),
        "船舶跟踪、航运与供应链监控、港口拥堵分析、海事监管、船舶保险",
        "ship tracking, supply chain monitoring, port congestion analysis, maritime "
        "supervision, marine insurance"),
    "weather_obs": (
        ("气象观测", "气温", "湿度", "风速", "降水", "气象站", "weather observations",
         "temperature", "rainfall"),
        "天气指数保险定价、农业生产、能源负荷预测、气候研究",
        "weather index insurance pricing, agriculture, energy demand forecasting, climate "
        "research"),
    "weather_forecast": (
        ("天气预报", "逐小时预报", "气温预报", "降水概率", "weather forecast", "forecast API"),
        "出行与物流调度、零售备货、新能源发电预测、户外活动安排",
        "logistics scheduling, retail demand planning, renewable output forecasting, outdoor "
        "events"),
    "typhoon_tracks": (
        ("台风路径", "热带气旋", "风圈", "最佳路径", "typhoon track", "tropical cyclone",
         "best track"),
        "巨灾保险与再保险定价、灾害风险评估、港口与工程防灾",
        "catastrophe insurance and reinsurance pricing, disaster risk assessment, port and "
        "construction resilience"),
    "radar_echo": (
        ("雷达回波", "多普勒雷达", "雷达拼图", "雷达图", "短临预报", "weather radar",
         "reflectivity", "nowcasting"),
        "短时临近降水预报、城市内涝预警、航空与物流调度、气象AI模型训练",
        "precipitation nowcasting, urban flood warning, aviation and logistics operations, "
        "training weather AI models"),
    "air_quality": (
        ("空气质量指数", "AQI", "PM10", "臭氧", "雾霾", "污染物", "环境监测", "air pollution"),
        "环境与健康研究、污染溯源、环境影响评价、健康出行提醒",
        "environmental health research, pollution source analysis, environmental impact "
        "assessment"),
    "rainfall_grid": (
        ("降雨", "雨量", "格点降水", "日降水", "rainfall", "gridded precipitation"),
        "洪涝风险评估、农业保险、水文建模、气候研究",
        "flood risk assessment, crop insurance, hydrological modelling, climate studies"),
    "credit_score": (
        ("信用评分", "企业征信", "征信", "风险评估", "credit score", "credit rating",
         "company credit"),
        "信贷审批、供应商准入与尽职调查、应收账款风控、反欺诈",
        "loan approval, supplier due diligence, receivables risk, anti-fraud"),
    "sme_default": (
        ("小微企业", "贷款", "逾期", "不良贷款", "风控建模", "loan default", "credit risk", "SME"),
        "信用风险建模、评分卡开发、普惠金融产品设计、压力测试",
        "credit risk modelling, scorecard development, inclusive lending product design, "
        "stress testing"),
    "sentiment_index": (
        ("情绪指数", "新闻情绪", "投资者情绪", "上市公司", "另类数据", "sentiment",
         "alternative data", "stocks"),
        "量化投资因子、投资研究、风险预警、投资者关系",
        "quant factors, investment research, risk alerts, investor relations"),
    "crossborder_payments": (
        ("跨境支付", "币种", "人民币跨境", "支付通道", "cross-border payments", "FX"),
        "跨境支付业务规划、外汇与资金流研究、跨境电商市场分析",
        "payments business planning, FX and capital flow research, cross-border e-commerce "
        "market analysis"),
    "property_prices": (
        ("房价", "楼价", "二手房", "新房", "成交量", "楼市", "住宅", "house prices",
         "property market"),
        "房地产投资与估值、按揭风控、城市研究",
        "property investment and valuation, mortgage risk, urban studies"),
    "bond_yields": (
        ("收益率曲线", "国债", "企业债", "债市", "固定收益", "到期收益率", "yield curve",
         "fixed income", "government bonds"),
        "债券定价与估值、利率风险管理、资产配置、宏观研究",
        "bond pricing and valuation, interest rate risk management, asset allocation, macro "
        "research"),
    "insurance_claims": (
        ("汽车保险", "出险率", "赔付", "交通事故", "精算", "motor insurance", "claims",
         "actuarial"),
        "车险定价与精算、理赔反欺诈、道路安全研究",
        "motor insurance pricing and actuarial work, claims fraud detection, road safety "
        "research"),
    "ct_images": (
        ("胸部CT", "肺部", "肺结节", "医学影像", "放射科", "影像报告", "chest CT",
         "medical imaging", "lung nodule"),
        "肺结节检测等医疗AI模型训练、辅助诊断软件研发、医学研究",
        "training medical AI such as lung nodule detection, diagnostic software development, "
        "medical research"),
    "ehr_chronic": (
        ("电子病历", "慢性病", "糖尿病", "高血压", "真实世界数据", "EHR", "EMR",
         "real-world data"),
        "真实世界研究、药物研发、慢病管理、健康险产品设计",
        "real-world evidence studies, drug development, chronic disease management, health "
        "insurance product design"),
    "adverse_drug": (
        ("药品不良反应", "药品安全", "ADR", "副作用", "pharmacovigilance", "drug safety"),
        "药物警戒与上市后安全监测、药品研发、临床合理用药研究",
        "pharmacovigilance and post-market surveillance, drug development, prescribing "
        "research"),
    "online_consult": (
        ("在线问诊", "网上问诊", "远程医疗", "问诊量", "科室", "telemedicine",
         "online consultation", "digital health"),
        "互联网医疗运营分析、医疗资源规划、健康险产品设计",
        "digital health operations, healthcare resource planning, health insurance product "
        "design"),
    "genome_samples": (
        ("基因组", "全基因组测序", "WGS", "测序数据", "人群队列", "变异", "VCF", "genomics",
         "whole genome sequencing"),
        "遗传病与药物基因组研究、新药靶点发现、精准医疗",
        "genetic disease and pharmacogenomics research, drug target discovery, precision "
        "medicine"),
    "hospital_beds": (
        ("病床", "床位使用率", "门诊量", "急诊", "医院运营", "hospital capacity",
         "bed occupancy", "outpatient"),
        "医疗资源规划与调度、公共卫生监测",
        "healthcare capacity planning, public health monitoring"),
    "murals": (
        ("石窟", "寺观", "高清图像", "艺术图像", "mural", "cave art", "art images"),
        "文创产品设计、出版与展览、影视美术、数字展陈",
        "cultural merchandise design, publishing and exhibitions, film art direction, digital "
        "exhibitions"),
    "opera_audio": (
        ("唱段", "经典唱段", "老唱片", "曲谱", "音频", "Chinese opera", "Cantonese opera",
         "arias"),
        "广播与音频节目、戏曲传承与教学、影视配乐、非遗数字化",
        "broadcasting and audio programmes, opera teaching, film soundtracks, heritage "
        "digitisation"),
    "artefact_3d": (
        ("三维扫描", "3D模型", "青铜器", "瓷器", "馆藏", "数字博物馆", "3D scan", "artefacts",
         "museum"),
        "虚拟展览与数字博物馆、游戏与影视资产、文创设计、3D打印复制",
        "virtual exhibitions, game and film assets, cultural merchandise, 3D printed replicas"),
    "ancient_books": (
        ("古文献", "典籍", "明清", "全文", "古汉语", "ancient texts", "classical Chinese"),
        "数字人文研究、古籍整理出版、古汉语大模型训练、教育",
        "digital humanities, publishing, training classical Chinese language models, "
        "education"),
    "documentary": (
        ("视频素材", "城市影像", "历史影像", "改革开放", "素材", "stock footage",
         "archive footage", "city video"),
        "影视制作、城市宣传片、展览与教育、广告",
        "film and TV production, city promotion films, exhibitions and education, advertising"),
    "woodcarving": (
        ("雕刻", "传统工艺", "手工艺", "图片库", "woodcarving", "crafts", "handicraft"),
        "文创与家居设计、出版、工艺研究与教学",
        "product and interior design, publishing, craft research and teaching"),
    "tourist_flow": (
        ("景区客流", "游客量", "人流", "景点", "客流监测", "visitor numbers", "tourism",
         "attractions"),
        "景区运营与限流、旅游规划、文旅营销",
        "attraction operations and crowd control, tourism planning, tourism marketing"),
    "hotel_occupancy": (
        ("平均房价", "客源地", "住宿业", "酒店业", "hotel occupancy", "average daily rate",
         "hospitality"),
        "酒店投资与收益管理、旅游市场研究、文旅营销",
        "hotel investment and revenue management, tourism market research, tourism marketing"),
    "digital_collectibles": (
        ("NFT", "授权", "文物IP", "文创", "digital collectibles", "licensing", "IP licensing"),
        "数字藏品发行、文创产品开发、品牌联名营销",
        "issuing digital collectibles, cultural merchandise, brand co-branding"),
    "folk_music": (
        ("民间音乐", "民歌", "田野录音", "采风", "传统音乐", "乐器", "folk music",
         "field recordings", "ethnomusicology"),
        "音乐创作与采样、影视配乐、民族音乐学研究、非遗保护",
        "music production and sampling, soundtracks, ethnomusicology research, heritage "
        "safeguarding"),
    "company_registry": (
        ("工商信息", "企业信息", "统一社会信用代码", "注册资本", "经营范围", "股东", "企业名录",
         "company registry", "business registration", "KYB"),
        "客户尽职调查、供应商准入、销售线索与企业画像、风控",
        "customer due diligence, supplier onboarding, sales leads and company profiles, risk "
        "control"),
    "procurement": (
        ("政府采购", "中标", "招标", "中标公告", "public procurement", "tenders", "bidding"),
        "销售商机挖掘、竞争对手分析、政府支出研究",
        "sales leads, competitor analysis, public spending research"),
    "population_heatmap": (
        ("人口分布", "人口密度", "人流", "职住", "实时人口", "选址", "population density",
         "mobile data", "site selection"),
        "商业选址、城市规划、客流预测、应急管理",
        "retail site selection, urban planning, footfall prediction, emergency management"),
    "admin_boundaries": (
        ("行政边界", "区县", "街道", "社区", "矢量地图", "边界", "GIS", "shapefile",
         "administrative boundaries"),
        "地图与GIS底图、统计汇总与可视化、网格化管理",
        "base maps, statistical mapping and visualisation, grid-based city management"),
    "satellite": (
        ("卫星影像", "遥感影像", "卫星图", "高分辨率", "satellite imagery", "remote sensing",
         "earth observation"),
        "城市规划与变化监测、农业与林业监测、保险查勘、测绘",
        "urban planning and change detection, agriculture and forestry monitoring, insurance "
        "surveys, mapping"),
    "poi": (
        ("兴趣点", "地址", "门店", "地图数据", "选址", "points of interest", "places",
         "location data", "site selection"),
        "商业选址、地图与导航、本地生活服务、竞品门店分析",
        "site selection, maps and navigation, local services, competitor store analysis"),
    "building_3d": (
        ("白模", "三维建筑", "建筑高度", "3D城市模型", "建筑轮廓", "3D buildings", "city model",
         "digital twin"),
        "数字孪生城市、城市规划与日照分析、通信基站规划、仿真与游戏",
        "digital twin cities, urban planning and sunlight analysis, telecom network planning, "
        "simulation and games"),
    "grid_load": (
        ("电网负荷", "负荷曲线", "用电负荷", "用电量", "电力需求", "load curve",
         "electricity demand", "power load"),
        "电力负荷预测、电力交易、需求响应、开工率与经济活动监测",
        "load forecasting, power trading, demand response, tracking factory activity"),
    "solar_forecast": (
        ("太阳能", "发电功率", "功率预测", "日前预测", "分布式光伏", "solar forecast",
         "PV output", "renewable energy"),
        "光伏电站运营、电力交易与调度、虚拟电厂",
        "solar plant operations, power trading and dispatch, virtual power plants"),
    "carbon_accounts": (
        ("碳核算", "排放因子", "温室气体", "碳足迹", "碳中和", "carbon emissions", "GHG",
         "emission factors"),
        "碳交易、ESG披露与评级、绿色金融、减排规划",
        "carbon trading, ESG reporting and ratings, green finance, emission reduction planning"),
    "building_energy": (
        ("建筑能耗", "用电量", "分项计量", "能耗监测", "楼宇", "energy consumption",
         "building energy", "smart metering"),
        "节能改造与合同能源管理、碳核算、楼宇运营",
        "energy retrofits and performance contracting, carbon accounting, building operations"),
    "footfall": (
        ("人流量", "商场客流", "门店客流", "进店人数", "购物中心", "选址", "footfall",
         "foot traffic", "retail", "site selection"),
        "门店选址、商场招商与运营、营销效果评估、零售销售预测",
        "store site selection, mall leasing and operations, campaign measurement, sales "
        "forecasting"),
    "ecommerce_prices": (
        ("网购", "商品价格", "价格指数", "物价", "online prices", "e-commerce", "price index"),
        "物价与通胀监测、消费研究、定价策略、宏观研究",
        "price and inflation tracking, consumer research, pricing strategy, macro research"),
    "crossborder_ecommerce": (
        ("跨境电商", "外贸", "品类", "海外市场", "cross-border e-commerce", "exports"),
        "出海选品、海外市场分析、跨境物流规划、外贸研究",
        "choosing products for overseas markets, market analysis, cross-border logistics "
        "planning, trade research"),
    "defect_images": (
        ("缺陷检测", "瑕疵", "表面缺陷", "电子元件", "机器视觉", "标注", "defect detection",
         "machine vision", "industrial inspection"),
        "工业视觉质检模型训练、AOI算法研发",
        "training machine vision models for inspection, AOI algorithm development"),
    "machine_sensors": (
        ("振动", "数控机床", "CNC", "设备监测", "故障", "工业物联网", "时序数据",
         "predictive maintenance", "IIoT", "time series"),
        "预测性维护、故障诊断、设备健康管理、开工率监测",
        "predictive maintenance, fault diagnosis, equipment health management, utilisation "
        "monitoring"),
    "crop_yield": (
        ("农作物", "产量", "水稻", "小麦", "粮食", "crop yield", "rice", "wheat"),
        "农业保险、粮食市场研究、农业信贷、农情监测",
        "crop insurance, grain market research, agricultural lending, crop monitoring"),
    "hog_prices": (
        ("猪价", "猪肉价格", "生猪价格", "农产品价格", "行情", "hog prices", "pork",
         "livestock"),
        "养殖企业经营、期货与投资研究、农产品价格监测",
        "farm operations, futures and investment research, farm price monitoring"),
    "paper_metadata": (
        ("学术论文", "引文", "文献", "科研成果", "citations", "bibliometrics",
         "research papers"),
        "科研评价与文献计量、人才与机构分析、学术搜索",
        "research evaluation and bibliometrics, talent and institution analysis, academic "
        "search"),
    "mandarin_speech": (
        ("普通话", "语音识别", "ASR", "语音语料", "朗读", "转写", "训练数据", "speech corpus",
         "speech data"),
        "语音识别模型训练、语音助手、智能客服",
        "training speech recognition, voice assistants, customer service bots"),
    "cantonese_speech": (
        ("广东话", "语音识别", "对话", "方言", "语音语料", "Cantonese speech", "dialect",
         "conversational speech"),
        "粤语语音识别与合成、智能客服、方言研究",
        "Cantonese speech recognition and synthesis, customer service bots, dialect research"),
    "instruction_tuning": (
        ("指令微调", "SFT", "训练数据", "问答", "对话", "中文语料", "LLM", "instruction data",
         "fine-tuning"),
        "训练与微调大模型、领域问答、智能客服与对话机器人",
        "training and fine-tuning large language models, domain question answering, chatbots "
        "and customer service bots"),
    "driving_scenes": (
        ("无人驾驶", "道路场景", "目标检测", "车辆", "行人", "ADAS", "object detection",
         "computer vision"),
        "自动驾驶感知模型训练、ADAS研发、智能交通",
        "training perception models for autonomous driving, ADAS development, smart traffic"),
}  # fmt: skip


def keywords(topic: Topic) -> tuple[str, ...]:
    """A product's listing keywords: its own, then what its provider adds (:data:`LISTED`)."""
    return tuple(dict.fromkeys((*topic.keywords, *LISTED[topic.key][0])))[:20]


CURRENCY_OF_PLACE = {"hk": "HKD", "mo": "HKD"}
PLACE_FACTOR = (1.0, 0.85, 0.6, 0.55, 0.5)


def facts(key: str) -> dict:
    """The asset metadata of a product: update frequency, record count and field schema, as
    the registry's asset fields take them."""
    frequency, records, columns = FACTS[key]
    schema = []
    for line in columns:
        name, kind, description = (part.strip() for part in line.split(":", 2))
        schema.append({"name": name, "type": kind, "description": description})
    return {"update_frequency": frequency, "record_count": records or None, "field_schema": schema}


@dataclass(frozen=True)
class Entry:
    """One demo listing: a topic offered for a place."""

    key: str
    topic: Topic
    place: str
    title_zh: str
    title_en: str
    description_zh: str
    description_en: str
    price: int
    currency: str
    region: str
    appraised: bool
    ordinal: int
    keywords: tuple[str, ...]


def entries() -> list[Entry]:
    """The 300 demo listings, in a fixed order."""
    out = []
    for topic in TOPICS:
        for position, place in enumerate(topic.places):
            zh, en, region = PLACES[place]
            years = f"{topic.years[0]}年至{topic.years[1]}年"
            years_en = f"{topic.years[0]}-{topic.years[1]}"
            currency = CURRENCY_OF_PLACE.get(place, "CNY")
            price = int(topic.price * PLACE_FACTOR[position]) // 100 * 100
            _, uses_zh, uses_en = LISTED[topic.key]
            out.append(
                Entry(
                    key=f"{topic.key}@{place}",
                    topic=topic,
                    place=place,
                    title_zh=topic.title_zh.format(c=zh),
                    title_en=topic.title_en.format(e=en),
                    description_zh=topic.description_zh.format(c=zh)
                    + f"覆盖{years}。适用场景：{uses_zh}。",
                    description_en=topic.description_en.format(e=en)
                    + f" Covers {years_en}. Typical uses: {uses_en}.",
                    price=price,
                    currency=currency,
                    region=region,
                    appraised=len(out) % 15 == 0,
                    ordinal=len(out),
                    keywords=keywords(topic),
                )
            )
    return out
