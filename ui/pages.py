"""The app's pages, in menu order: (url path, file, icon, default). app.py builds st.Page objects from this."""

PAGES = [
    ("overview", "pages/overview.py", ":material/dashboard:", True),
    ("indicator", "pages/indicator.py", ":material/show_chart:", False),
    ("prefectures", "pages/prefectures.py", ":material/map:", False),
    ("method", "pages/method.py", ":material/menu_book:", False),
]


def require_app_frame() -> None:
    """Call first in every page: make sure app.py (language, dataset, navigation) framed this run.

    The design card fixes the folder name `pages/`, which Streamlit also treats as the legacy
    automatic multipage folder: until some session has called st.navigation, a first request to a
    deep link such as /prefectures runs the page file alone, without app.py. Turning the legacy mode
    off and rerunning routes that request through app.py, which keeps the URL and its parameters.
    """
    import streamlit as st
    from streamlit.runtime.pages_manager import PagesManager

    if getattr(PagesManager, "uses_pages_directory", False):
        PagesManager.uses_pages_directory = False
        st.rerun()
