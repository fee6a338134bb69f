"""Helpers of the pages (caches, sign-in, charts): a package, so Streamlit never lists them."""
