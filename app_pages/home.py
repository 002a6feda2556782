"""Home: what Ground Control does, and the way into each page."""

import streamlit as st

st.title("Ground Control")
st.markdown("Run and understand Amazon SageMaker Ground Truth labeling work, without writing code.")

card = st.container(border=True)
card.subheader(":material/groups: Workers")
card.markdown("Labels, time per label, throughput, agreement and accuracy per worker, for any job output "
              "in S3 or in a folder. Names from Cognito, or anonymous for sharing.")
card.page_link("app_pages/workers.py", label="Open Workers", icon=":material/arrow_forward:",
               query_params={"source": st.query_params["source"]} if "source" in st.query_params else None)
