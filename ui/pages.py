"""The app's pages, in menu order: (url path, file, icon, default). app.py builds st.Page objects from this."""

PAGES = [
    ("overview", "pages/overview.py", ":material/dashboard:", True),
    ("indicator", "pages/indicator.py", ":material/show_chart:", False),
    ("prefectures", "pages/prefectures.py", ":material/map:", False),
    ("data", "pages/data.py", ":material/database:", False),
    ("method", "pages/method.py", ":material/menu_book:", False),
]


FRAMED_KEY = "_framed_by_app"


def mark_framed() -> None:
    """app.py calls this once it has drawn the shared frame (a plain session key, not a widget's)."""
    import streamlit as st

    st.session_state[FRAMED_KEY] = True


def require_app_frame() -> None:
    """Call first in every page: make sure a new session starts through app.py (language, dataset, navigation).

    The design card fixes the folder name `pages/`, which Streamlit also treats as the legacy
    automatic multipage folder: until some session has called st.navigation, a first request to a
    deep link such as /prefectures runs the page file alone, without app.py. Turning the legacy mode
    off and rerunning routes that first request through app.py, keeping the URL and its parameters.
    Only a session app.py has never framed is rerun, so no click or form submission is ever lost.
    """
    import streamlit as st
    from streamlit.runtime.pages_manager import PagesManager

    if getattr(PagesManager, "uses_pages_directory", False) and not st.session_state.get(FRAMED_KEY):
        PagesManager.uses_pages_directory = False
        st.rerun()
