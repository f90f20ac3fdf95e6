"""Streamlit-side helpers shared by app.py and pages/: cached data access, language, widgets."""
