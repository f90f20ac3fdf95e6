"""A bare Streamlit page: the widgets and elements of one of the app's pages, with constant data and no data work.

The benchmark runs it beside each real page (``?page=overview|indicator|prefectures|data|method``) as
the floor: what Streamlit itself costs to draw that page — the sidebar controls, the same kinds of
elements and tables of the same size — when no database is read and nothing is computed.
"""

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

page = st.query_params.get("page", "overview")

# the shared sidebar of app.py
st.sidebar.segmented_control("语言 Language", ["zh", "en"], key="lang", default="zh", required=True)
st.sidebar.segmented_control("数据集", ["official", "demo"], key="dataset", default="demo", required=True)
st.sidebar.selectbox("截至", ["latest"] + [str(y) for y in range(2025, 1995, -1)], key="asof")
st.sidebar.caption("footer")
st.warning("演示数据，非官方统计", icon=":material/science:")


def table(rows: int, cols: int) -> pd.DataFrame:
    data = {f"c{i}": np.arange(rows, dtype=float) * (i + 1) for i in range(cols - 2)}
    return pd.DataFrame({"label": [f"行{i}" for i in range(rows)], "code": [f"{430000 + i}" for i in range(rows)],
                         **data})


def line(points: int) -> alt.Chart:
    frame = pd.DataFrame({"year": np.arange(points), "value": np.arange(points) * 1.5})
    return alt.Chart(frame).mark_line(point=True).encode(x="year:O", y="value:Q")


def downloads(key: str) -> None:
    with st.container(horizontal=True, gap="small"):
        st.download_button("CSV", data=b"a,b\n1,2\n", file_name="t.csv", key=f"{key}_csv", on_click="ignore")
        st.download_button("Excel", data=b"x", file_name="t.xlsx", key=f"{key}_xlsx", on_click="ignore")


def badge() -> None:
    with st.container(horizontal=True, gap="small"):
        st.badge("符合进度", icon=":material/trending_up:", color="green")


def card(i: int) -> None:
    with st.container(border=True):
        st.markdown(f"**目标 {i}**")
        badge()
        st.markdown("最新：**18596.9亿元（2021）**　　目标：**> 2万亿元（2023）**")
        st.progress(0.5, text="完成 50%，时序进度 50%")
        st.caption("2021年，全省社会消费品零售总额18596.9亿元，完成目标的93.0%。")


if page == "overview":
    st.title("消费流通监测")
    st.caption("subtitle")
    st.selectbox("地区", ["430000"] + [str(430100 + 100 * i) for i in range(14)], key="region")
    st.markdown("截至最新")
    with st.expander("数据说明", icon=":material/warning:"):
        st.markdown("caveats")
    with st.container(horizontal=True, gap="small"):
        for i in range(8):
            st.metric(f"m{i}", i, border=True, width=150)
    for plan in range(2):
        st.subheader(f"plan {plan}")
        columns = st.columns(2)
        for i in range(9):
            with columns[i % 2]:
                card(i)
    st.subheader("unscored")
    for i in range(5):
        st.markdown(f"- **aim {i}** — “quote”")
    st.subheader("table")
    st.dataframe(table(17, 15), hide_index=True, width="stretch")
    downloads("overview")
elif page == "indicator":
    st.title("指标详情")
    cols = st.columns(2)
    with cols[0]:
        st.selectbox("指标", [f"ind{i}" for i in range(28)], key="ind")
    with cols[1]:
        st.selectbox("地区", [str(430000 + 100 * i) for i in range(15)], key="region")
    st.subheader("社会消费品零售总额")
    st.caption("definition")
    st.warning("notes", icon=":material/warning:")
    for target in range(2):
        with st.container(border=True):
            st.markdown("**target**　quote")
            badge()
            st.write("sentence")
            left, right = st.columns([2, 3])
            with left:
                st.dataframe(table(15, 2), hide_index=True, width="stretch")
            with right:
                st.altair_chart(line(12), width="stretch")
                st.download_button("PNG", data=b"x", file_name="c.png", key=f"png_{target}", on_click="ignore")
            st.altair_chart(line(11), width="stretch")
            st.caption("ytd help")
    st.subheader("数据")
    st.dataframe(table(300, 11), hide_index=True, width="stretch")
    downloads("indicator")
elif page == "prefectures":
    st.title("市州比较")
    st.caption("subtitle")
    top = st.columns([3, 2, 3])
    with top[0]:
        st.selectbox("指标", [f"ind{i}" for i in range(20)], key="ind")
    with top[1]:
        st.selectbox("期别", [str(y) for y in range(2025, 2014, -1)], key="period")
    with top[2]:
        st.segmented_control("measure", ["level", "growth", "share"], key="measure", default="growth", required=True)
    st.subheader("ranking")
    st.dataframe(table(14, 10), hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row",
                 key="ranking_table")
    downloads("prefectures")
    charts = st.columns(2)
    with charts[0]:
        st.altair_chart(line(14), width="stretch")
    with charts[1]:
        st.altair_chart(line(14), width="stretch")
        st.caption("map notice")
    st.subheader("small multiples")
    st.toggle("shared scale", key="shared_scale")
    panels = pd.DataFrame({"name": np.repeat([f"市{i}" for i in range(14)], 10), "x": np.tile(np.arange(10), 14),
                           "value": np.arange(140) * 1.5})
    st.altair_chart(alt.Chart(panels).mark_line(point=True).encode(x="x:O", y="value:Q").properties(
        width=200, height=110).facet(facet="name:N", columns=4), width="content")
    st.divider()
    focus = st.columns(2)
    with focus[0]:
        st.selectbox("focus", [str(430100 + 100 * i) for i in range(14)], key="focus")
    with focus[1]:
        st.selectbox("compare", [str(430100 + 100 * i) for i in range(14)], key="compare")
    cards = st.columns(2)
    for col in cards:
        with col, st.container(border=True):
            st.markdown("### 长沙市")
            for i in range(4):
                with st.container(horizontal=True, vertical_alignment="center"):
                    st.markdown(f"target {i}")
                    badge()
    st.altair_chart(line(20), width="stretch")
elif page == "data":
    st.title("数据管理")
    st.caption("subtitle")
    st.info("read only", icon=":material/lock:")
    st.subheader("browse")
    cols = st.columns([3, 3, 2, 3])
    with cols[0]:
        st.multiselect("指标", [f"ind{i}" for i in range(27)], key="f_ind")
    with cols[1]:
        st.multiselect("地区", [str(430000 + i) for i in range(137)], key="f_region")
    with cols[2]:
        st.slider("年份", min_value=1995, max_value=2025, value=(1995, 2025), key="f_years")
    with cols[3]:
        st.text_input("搜索", key="f_search")
    st.caption("matched")
    st.dataframe(table(500, 13), hide_index=True, width="stretch", height=420, key="obs", on_select="rerun",
                 selection_mode="single-row")
    st.caption("select for history")
    downloads("data")
    st.subheader("log")
    st.dataframe(table(3, 12), hide_index=True, width="stretch")
    st.subheader("revisions")
    st.caption("none")
else:  # method
    st.title("方法与来源")
    st.markdown("intro")
    st.subheader("statuses")
    for i in range(8):
        with st.container(horizontal=True, vertical_alignment="center"):
            badge()
            st.markdown(f"help {i}")
    for section in ("types", "sources", "caveats", "plans"):
        st.subheader(section)
        st.markdown(section)
    for i in range(22):
        st.markdown(f"- `target{i}` — “quote”")
