"""Writers that turn a plain-data TenderDocument (docs/RENDERING.md) into HTML, PDF, DOCX and XLSX.

Import the writer you need from its module (`tenders.rendering.pdf`, `.docx`, `.xlsx`, `.html`):
each heavy library (WeasyPrint, python-docx, openpyxl) is imported by exactly one module, so
importing this package costs nothing.
"""
