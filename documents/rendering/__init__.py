"""Writers that turn plain data (docs/RENDERING.md) into HTML, PDF, DOCX, XLSX and ZIP.

Import the writer you need from its module (`documents.rendering.pdf`, `.docx`, `.xlsx`, `.html`,
`.zip`): each heavy library (WeasyPrint, python-docx, openpyxl) is imported by exactly one module,
so importing this package costs nothing. Writers never touch the ORM.
"""
