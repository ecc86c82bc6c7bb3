"""Excel import and export of the indicator tree, the duty table (责任分解表) and the
inspection sites, in the layouts offices keep (docs/evaluation.md, "Excel").

Each import is a service: the actor's right is checked, the whole file is read and checked
first (size, xlsx, header, row cap), then every row goes through the ordinary service
(`campaigns.indicator_save`, `duties.duty_save`, `duties.site_save`) in its own savepoint
inside one transaction, with one audit row for the import. Good rows land; each bad row is
reported in Chinese with its row number. Exports are services too and audit themselves.
"""

from .common import MAX_ROWS, XLSX, ImportResult, RowError  # noqa: F401
from .duties import duty_workbook_export, duty_workbook_import  # noqa: F401
from .sites import site_workbook_export, site_workbook_import  # noqa: F401
from .template import duty_template, site_template, tree_template  # noqa: F401
from .tree import indicator_workbook_export, indicator_workbook_import  # noqa: F401
