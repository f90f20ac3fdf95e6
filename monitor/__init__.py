"""xiaofei-monitor domain package: store, registry, imports, assessment. Never imports streamlit."""

__version__ = "0.1.0"
