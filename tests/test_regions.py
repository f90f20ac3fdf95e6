"""The regions the pages offer: the province, its prefectures, extra regions once each, short names per language."""

import pandas as pd

from monitor import regions
from monitor.config import PROVINCE_CODE
from monitor.registry import read_regions

# A small registry: the country, the province, two of its prefectures (listed out of code order), a county,
# and a prefecture of another province.
REGIONS = pd.DataFrame([
    ("000000", "全国", "全国", "China (national)", "country", None),
    ("430000", "湖南省", "湖南", "Hunan Province", "province", "000000"),
    ("430200", "株洲市", "株洲", "Zhuzhou", "prefecture", "430000"),
    ("430100", "长沙市", "长沙", "Changsha", "prefecture", "430000"),
    ("430102", "芙蓉区", "芙蓉", "Furong District", "county", "430100"),
    ("420100", "武汉市", "武汉", "Wuhan", "prefecture", "420000"),
], columns=["code", "name_zh", "short_name_zh", "name_en", "level", "parent_code"])


def test_the_province_code_is_the_configured_one():
    assert regions.province_code() == PROVINCE_CODE == "430000"


def test_prefectures_are_the_provinces_own_in_the_frames_order():
    # Wuhan is a prefecture of another province, Furong a county: neither is listed.
    assert regions.prefectures(REGIONS) == ["430200", "430100"]


def test_prefectures_of_another_province_on_request():
    assert regions.prefectures(REGIONS, "420000") == ["420100"]


def test_the_bundled_registry_has_fourteen_prefectures():
    codes = regions.prefectures(read_regions().sort_values("code"))
    assert len(codes) == 14 and codes[0] == "430100" and codes[-1] == "433100"


def test_choices_start_with_the_province_then_prefectures_then_extras_once_each():
    # 430100 is already a prefecture; 430102 is given twice: each appears once, extras in the order given.
    choices = regions.region_choices(REGIONS, ["430102", "430100", "420100", "430102"])
    assert choices == ["430000", "430200", "430100", "430102", "420100"]


def test_choices_without_extras_are_the_province_and_its_prefectures():
    assert regions.region_choices(REGIONS) == ["430000", "430200", "430100"]


def test_short_names_in_chinese_drop_the_suffix_and_in_english_use_the_english_name():
    assert regions.short_names(REGIONS, "zh")["430100"] == "长沙"
    # No English short name in the registry: the English name, never the Chinese short name.
    assert regions.short_names(REGIONS, "en")["430100"] == "Changsha"


def test_a_region_without_a_short_name_is_shown_by_its_full_name():
    frame = REGIONS.assign(short_name_zh=[None, "湖南", "", "长沙", "芙蓉", "武汉"])
    names = regions.short_names(frame, "zh")
    assert names["000000"] == "全国" and names["430200"] == "株洲市"
