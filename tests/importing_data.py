"""Sample licensing-side exports, CSV and JSON, with realistic rows."""

from __future__ import annotations

from tests.factories import credit_code

HEADER = "licence_number,credit_code,entity_name,address,street,lat,lon,credit_class,industry,issued_at,valid_until,permits,status"


def csv_rows(
    codes: list[str],
    *,
    cafe_name: str = "上海宝山区星际网络科技有限公司",
    cafe_until: str = "2031-04-30",
    bakery_status: str = "有效",
) -> str:
    return (
        "\n".join(
            [
                HEADER,
                f"BS-IC-2026-000101,{codes[0]},{cafe_name},上海市宝山区友谊路街道牡丹江路1288号,BS01,31.4052,121.4893,B,IC,2026-05-01,{cafe_until},"
                f"IC-P1|WWW310113000101|2026-05-01|{cafe_until};IC-P2|XF310113000101|2026-05-01|{cafe_until},ACTIVE",
                f"BS-FS-2026-000102,{codes[1]},上海宝山区麦香坊烘焙店,上海市宝山区吴淞街道淞兴路256号,吴淞街道,31.3808,121.5019,A,FS,2026-05-02,2031-05-01,"
                f"FS-P1|JY13101130000102|2026-05-02|2031-05-01,{bakery_status}",
                f"BS-IC-2026-000103,{codes[2]},上海宝山区极速网咖有限公司,上海市宝山区大场镇场中路3888号,BS05,31.3101,121.4142,C,IC,2026-05-03,2031-05-02,"
                f"IC-P1|WWW310113000103|2026-05-03|2031-05-02,ACTIVE",
            ]
        )
        + "\n"
    )


def three_codes() -> list[str]:
    return [credit_code() for _ in range(3)]
