"""The app's pages, in menu order: (url path, file, icon, default). app.py builds st.Page objects from this."""

PAGES = [
    ("overview", "pages/overview.py", ":material/dashboard:", True),
    ("indicator", "pages/indicator.py", ":material/show_chart:", False),
    ("prefectures", "pages/prefectures.py", ":material/map:", False),
    ("ledger", "pages/ledger.py", ":material/checklist:", False),
    ("data", "pages/data.py", ":material/database:", False),
    ("method", "pages/method.py", ":material/menu_book:", False),
]

