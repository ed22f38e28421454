"""Official documents of the subject's rights (000 §三 annex) and the verifiable credit report, as PDFs.

PDFs are drawn with fpdf2: pure Python, no system libraries, and it embeds and subsets TrueType fonts by
itself, so Chinese renders on a machine with no CJK font installed (the shipped font is in ``fonts/``).
"""
