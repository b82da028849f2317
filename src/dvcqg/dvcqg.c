#include "dvcqg/dvcqg.h"
const struct eg_module eg_dvcqg_module = {.name = "dvcqg"};
