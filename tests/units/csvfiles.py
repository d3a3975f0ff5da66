"""Units-sold CSV files for the import tests."""

from __future__ import annotations

from backend.domain.units_file import HEADER

GOOD_ROWS = [
    "SN-A0001,KFR-35GW/BpR3,变频空调,2025-06-01,2028-06-01,,13812345678,王女士,"
    "北京市朝阳区建国路88号,北京·朝阳,city,false",
    "SN-A0002,BCD-256WDPM,对开门冰箱,2021-03-08,2024-03-08,2027-03-08,139 8765 4321,李先生,"
    "北京市海淀区中关村大街27号,北京·海淀,city,false",
    "SN-A0003,XQG100-B14,滚筒洗衣机,2019-09-15,2022-09-15,,13812345678,,"
    "北京市大兴区黄村镇兴华大街12号,北京·大兴,suburb,false",
    '"SN-A0004",MDV-H180W,"中央空调, 商用",2024-01-01,2027-01-01,,+86 186-0000-1111,赵工,'
    "新疆喀什地区塔什库尔干县,新疆·喀什,remote,TRUE",
]


def csv_of(*rows: str, header: str = ",".join(HEADER), bom: bool = False) -> bytes:
    text = "\n".join([header, *rows]) + "\n"
    return ("\ufeff" if bom else "").encode() + text.encode("utf-8")
