/*
 * The screens, each an ops table (tui.h, struct screen_ops), for the
 * registry (screens.c) and for a screen that lists another's keys in its
 * help.  The main loop (tui.c) names none of them: it finds a screen by the
 * action that opens it.
 */
#ifndef CASEREVIEW_TUI_SCREENS_H
#define CASEREVIEW_TUI_SCREENS_H

#include "tui.h"

extern const struct screen_ops purpose_screen, queue_screen, case_screen, form_screen, help_screen,
    dashboard_screen, prompt_screen, menu_screen;
/* The reviewer chooser of a bulk assign of the tagged cases (menu.c): pushed by the queue. */
extern const struct screen_ops bulk_screen;
/* route.c: a decision awaiting approval routed to a supervisor (F on the case). */
extern const struct screen_ops route_screen;
extern const struct screen_ops link_screen; /* L and U on the case (link.c) */
/* after.c: a follow-up (W on the case) and reopening a closed case (E). */
extern const struct screen_ops after_screen;
/* pack.c: the panel's bundle of the tagged cases (K on the queue). */
extern const struct screen_ops pack_screen;
/* qa.c: a quality review's verdict over the blind case (Q on the case). */
extern const struct screen_ops qa_screen;
/* The landing view's note: "; quality review: cases 2, 4" when some wait for me, else "". */
const char *tui_qa_waiting(struct app *app);

#endif
