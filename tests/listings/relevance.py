"""The labelled relevance set: queries over the demo catalogue and the listings that should
come first (Chinese, English, mixed, and typos). Grades: 3 the exact product and place,
2 the product, 1 related. Keys are ``topic@place`` of ``market.listings.catalogue``.
"""

from __future__ import annotations

import math

from market.demo.catalogue import TOPICS

PLACES = {topic.key: topic.places for topic in TOPICS}


def judge(*topics: str, place: str | None = None, related: tuple[str, ...] = ()) -> dict:
    """Grades for ``topics`` (3 at ``place``, else 2; 1 elsewhere when a place is asked for)
    and 1 for the ``related`` topics."""
    grades: dict[str, int] = {}
    for topic in related:
        for where in PLACES[topic]:
            grades[f"{topic}@{where}"] = 1
    for topic in topics:
        for where in PLACES[topic]:
            grades[f"{topic}@{where}"] = (3 if where == place else 1) if place else 2
    return grades


QUERIES: list[tuple[str, str, dict]] = [
    # (kind, query, grades)
    ("zh", "深圳公交刷卡数据", judge("bus_card", place="sz")),
    ("zh", "地铁客流", judge("metro_flow")),
    ("zh", "上海 地铁", judge("metro_flow", place="sh")),
    ("zh", "出租车轨迹", judge("taxi_gps")),
    ("zh", "实时路况", judge("road_traffic")),
    ("zh", "共享单车", judge("bike_share")),
    ("zh", "港口 集装箱", judge("port_throughput", related=("freight_index", "vessel_ais"))),
    ("zh", "航班准点率", judge("flight_ontime")),
    ("zh", "充电桩", judge("ev_charging")),
    ("zh", "天气预报", judge("weather_forecast", related=("weather_obs",))),
    ("zh", "台风", judge("typhoon_tracks")),
    ("zh", "雷达回波", judge("radar_echo")),
    ("zh", "空气质量", judge("air_quality")),
    ("zh", "企业信用评分", judge("credit_score")),
    ("zh", "小微企业 违约", judge("sme_default")),
    ("zh", "舆情指数", judge("sentiment_index")),
    ("zh", "跨境支付", judge("crossborder_payments")),
    ("zh", "房价", judge("property_prices")),
    ("zh", "债券收益率", judge("bond_yields")),
    ("zh", "车险理赔", judge("insurance_claims")),
    ("zh", "肺部CT影像", judge("ct_images")),
    ("zh", "电子病历", judge("ehr_chronic")),
    ("zh", "基因测序", judge("genome_samples")),
    ("zh", "敦煌壁画", judge("murals", place="dh")),
    ("zh", "粤剧", judge("opera_audio")),
    ("zh", "文物三维模型", judge("artefact_3d")),
    ("zh", "古籍", judge("ancient_books")),
    ("zh", "人口热力图", judge("population_heatmap")),
    ("zh", "卫星遥感影像", judge("satellite", related=("crop_yield",))),
    ("zh", "电网负荷", judge("grid_load")),
    ("zh", "光伏", judge("solar_forecast")),
    ("zh", "碳排放", judge("carbon_accounts")),
    ("zh", "语音识别语料", judge("mandarin_speech", "cantonese_speech")),
    ("zh", "大模型微调", judge("instruction_tuning")),
    ("zh", "自动驾驶", judge("driving_scenes")),
    ("en", "Shenzhen bus", judge("bus_card", place="sz")),
    ("en", "weather forecast API", judge("weather_forecast", related=("weather_obs",))),
    ("en", "credit score", judge("credit_score")),
    ("en", "satellite imagery", judge("satellite")),
    ("en", "Cantonese speech corpus", judge("cantonese_speech", related=("mandarin_speech",))),
    ("en", "hotel occupancy Macao", judge("hotel_occupancy", place="mo")),
    ("en", "EV charging", judge("ev_charging")),
    ("en", "hog prices", judge("hog_prices")),
    ("mixed", "深圳 metro", judge("metro_flow", place="sz")),
    ("mixed", "Dunhuang 壁画", judge("murals", place="dh")),
    ("mixed", "香港 vessel AIS", judge("vessel_ais", place="hk")),
    ("mixed", "广州 taxi", judge("taxi_gps", place="gz")),
    ("typo", "weathr forecast", judge("weather_forecast", related=("weather_obs",))),
    ("typo", "satelite imagery", judge("satellite")),
    ("typo", "shenzen metro", judge("metro_flow", place="sz")),
    ("typo", "cantonse speech", judge("cantonese_speech", related=("mandarin_speech",))),
    ("typo", "electirc vehicle charging", judge("ev_charging")),
]


def ndcg(ranked: list[str], grades: dict[str, int], k: int = 10) -> float:
    """Normalised discounted cumulative gain at ``k`` (gains ``2**grade - 1``)."""

    def dcg(values: list[int]) -> float:
        return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(values[:k]))

    ideal = dcg(sorted(grades.values(), reverse=True))
    return dcg([grades.get(key, 0) for key in ranked]) / ideal if ideal else 0.0
