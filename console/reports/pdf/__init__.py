"""A small PDF document toolkit shared by the reports: pages, text, tables, a time-series plot.

``page`` (the US Letter writer, one-page HTML documents, drawing steps per page), ``text`` (a
paged document of headings, paragraphs, label pairs and signatures), ``table``, ``plot`` and
``palette`` (the paper colours, from ``console.palette``).
"""
