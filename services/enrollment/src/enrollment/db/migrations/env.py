from credmarket_platform.db import platform_metadata
from credmarket_platform.db.migrations import run_env

from enrollment.db.tables import enrollment_metadata

run_env([platform_metadata, enrollment_metadata])
