#include "gpiod_compat.h"
