// libpq for the cold tier (Debian libpq-dev). Imported by PeregrineWarehouse alone.
#include <postgresql/libpq-fe.h>
