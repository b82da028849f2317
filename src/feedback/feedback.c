#include "feedback/feedback.h"
const struct eg_module eg_feedback_module = {.name = "feedback"};
