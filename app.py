"""消费流通监测 xiaofei-monitor — entry point: page config, navigation, shared sidebar."""

import streamlit as st

st.set_page_config(page_title="消费流通监测", page_icon="📈", layout="wide")

pages = [
    st.Page("pages/overview.py", title="目标总览", url_path="overview", default=True),
]
st.navigation(pages).run()
