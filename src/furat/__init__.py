"""Furat (الفرات): an annotated corpus of Arabic news on the Syrian conflict.

The package owns the whole life of the data: raw articles are ingested into clean
documents, annotated in Label Studio, converted and validated into canonical records,
and built into a versioned Hugging Face dataset. ``schema/labels.yaml`` is the single
source of truth for every label; everything else is generated from it.
"""

__version__ = "0.1.0.dev0"
