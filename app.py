"""消费流通监测 xiaofei-monitor — entry point: page config, shared sidebar controls, navigation.

Controls drawn here, before `pg.run()`, are shared by every page and bound to the URL.
"""

from pathlib import Path

import streamlit as st

from monitor.i18n import t
from ui import state
from ui.pages import PAGES, mark_framed
from ui.widgets import synthetic_banner

APP_DIR = Path(__file__).resolve().parent

st.set_page_config(page_title="消费流通监测", page_icon=":material/monitoring:", layout="wide")

lang = state.language_selector()
dataset = state.dataset_selector(lang)
as_of = state.asof_selector(dataset, lang)

pages = [
    st.Page(APP_DIR / path, title=t(f"nav.{name}", lang), icon=icon, url_path=name, default=default)
    for name, path, icon, default in PAGES
]
navigation = st.navigation(pages, position="sidebar")
mark_framed()

st.sidebar.caption(t("sidebar.footer", lang))
if state.is_synthetic(dataset):
    synthetic_banner(lang)
navigation.run()
