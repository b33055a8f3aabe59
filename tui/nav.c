/*
 * Navigation, once for every scrolling screen (tig's view driver and
 * move_view): the line, page, top and bottom moves a screen leaves to the
 * driver.  A text (the case, a form's read-only pane) moves its top line,
 * kept within the text when drawn; a list (the queue) moves its selection
 * within the page and turns the page through its pager, which reads the
 * next or previous one from the database.
 */
#include "tui.h"

static int
page_of(const struct tui_nav *nav)
{
    return nav->height > 1 ? nav->height - 1 : 1;
}

static bool
move_text(struct tui_nav *nav, int action)
{
    int page = page_of(nav);
    switch (action) {
    case TA_DOWN:
        nav->top++;
        return true;
    case TA_UP:
        nav->top = nav->top > 0 ? nav->top - 1 : 0;
        return true;
    case TA_PAGE_DOWN:
        nav->top += page;
        return true;
    case TA_PAGE_UP:
        nav->top = nav->top > page ? nav->top - page : 0;
        return true;
    case TA_FIRST:
        nav->top = 0;
        return true;
    case TA_LAST:
        nav->top = nav->lines;
        return true;
    default:
        return false;
    }
}

static bool
move_list(struct app *app, struct tui_nav *nav, int action)
{
    const struct tui_pager *p = nav->pager;
    switch (action) {
    case TA_DOWN:
        if (nav->sel + 1 < nav->lines)
            nav->sel++;
        else if (nav->more)
            p->next_page(app, nav->ctx);
        return true;
    case TA_UP:
        if (nav->sel > 0)
            nav->sel--;
        else
            p->prev_page(app, nav->ctx, true);
        return true;
    case TA_PAGE_DOWN:
        if (nav->more)
            p->next_page(app, nav->ctx);
        else if (nav->lines)
            nav->sel = nav->lines - 1;
        return true;
    case TA_PAGE_UP:
        if (!nav->at_top)
            p->prev_page(app, nav->ctx, false);
        else
            nav->sel = 0;
        return true;
    case TA_FIRST:
        p->first(app, nav->ctx);
        return true;
    case TA_LAST:
        p->last(app, nav->ctx);
        return true;
    default:
        return false;
    }
}

bool
tui_nav_move(struct app *app, struct tui_nav *nav, int action)
{
    if (tui_action_kind(action) != TK_NAV)
        return false;
    return nav->pager ? move_list(app, nav, action) : move_text(nav, action);
}

void
tui_nav_clamp(struct tui_nav *nav)
{
    int max_top = nav->lines - nav->height;
    if (nav->top > max_top)
        nav->top = max_top > 0 ? max_top : 0;
}
