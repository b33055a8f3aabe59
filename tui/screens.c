/*
 * The registry of screens: the start screens first, in the order they are
 * tried (the session's purpose, when one is asked for; then the queue).
 */
#include "screens.h"

#include <stddef.h>

const struct screen_ops *const tui_screens[] = {
    &purpose_screen,   &queue_screen,  &case_screen, &form_screen,  &help_screen,
    &dashboard_screen, &prompt_screen, &menu_screen, &route_screen, &link_screen,
    &after_screen,     &pack_screen,   &qa_screen,   NULL,
};

const struct screen_ops *
tui_screen_for(int action)
{
    for (size_t i = 0; tui_screens[i]; i++)
        if (tui_screens[i]->opens && tui_screens[i]->opens(action))
            return tui_screens[i];
    return NULL;
}
