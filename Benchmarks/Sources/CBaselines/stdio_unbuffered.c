#include <stdio.h>
#include "CBaselines.h"
// setvbuf on stdout is global mutable state Swift 6 will not touch; done here so the
// suite's progress lines appear as they are produced even when piped.
void cbaseline_line_buffered_stdout(void) { setvbuf(stdout, NULL, _IOLBF, 0); }
