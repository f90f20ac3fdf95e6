import streamlit as st

from ui.data import load_observations, load_targets

st.title("消费流通监测")
targets = load_targets()
obs = load_observations("official")
st.dataframe(targets[["id", "name_zh", "target_type", "target_value", "unit"]], hide_index=True)
st.caption(f"{len(obs)} official observations loaded.")
