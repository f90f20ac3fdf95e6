"""消费流通监测 xiaofei-monitor — entry point: the shared frame (page config, sidebar controls bound
to the URL, synthetic-data banner) and the navigation over the pages in ui/pages.py."""

from pathlib import Path

import streamlit as st

from monitor.i18n import t
from ui.frame import draw_controls, draw_footer
from ui.pages import PAGES

APP_DIR = Path(__file__).resolve().parent

lang = draw_controls()
pages = [
    st.Page(APP_DIR / path, title=t(f"nav.{name}", lang), icon=icon, url_path=name, default=default)
    for name, path, icon, default in PAGES
]
navigation = st.navigation(pages, position="sidebar")
draw_footer(lang)
navigation.run()
