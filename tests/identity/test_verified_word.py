"""One word for a verified organisation in Chinese (已认证, docs/glossary.md); 核验 is only
for checking a certificate."""

from tests import factories


def test_a_verified_organisation_reads_as_renzheng(client, db):
    owner = factories.user(db, "owner@example.cn")
    organisation = factories.organisation(db, owner)
    db.commit()
    client.log_in("owner@example.cn")
    for path in (f"/organisations/{organisation.id}", "/organisations"):
        page = client.get(path, headers={"Accept-Language": "zh"}).get_data(as_text=True)
        assert "已认证" in page and "已核验" not in page, path
