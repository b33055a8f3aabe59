/*
 * The workstation's navigation (tui/nav.c) and its key action table
 * (tui/tui.h), without a terminal: the moves every scrolling screen leaves
 * to the driver, each key action's kind and core action, and how the
 * driver routes each action on each screen of the registry by that kind.
 */
#include "screens.h"
#include "tui.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

/* A text of 100 lines shown 20 at a time: a page moves 19. */
static void
text_moves(void **unused)
{
    (void)unused;
    struct tui_nav n = {.lines = 100, .height = 20};
    assert_true(tui_nav_move(NULL, &n, TA_DOWN));
    assert_int_equal(n.top, 1);
    assert_true(tui_nav_move(NULL, &n, TA_PAGE_DOWN));
    assert_int_equal(n.top, 20);
    assert_true(tui_nav_move(NULL, &n, TA_PAGE_UP));
    assert_int_equal(n.top, 1);
    assert_true(tui_nav_move(NULL, &n, TA_PAGE_UP));
    assert_int_equal(n.top, 0);
    assert_true(tui_nav_move(NULL, &n, TA_UP));
    assert_int_equal(n.top, 0);
    /* The last line: the draw keeps the last page full. */
    assert_true(tui_nav_move(NULL, &n, TA_LAST));
    tui_nav_clamp(&n);
    assert_int_equal(n.top, 80);
    assert_true(tui_nav_move(NULL, &n, TA_DOWN));
    tui_nav_clamp(&n);
    assert_int_equal(n.top, 80);
    assert_true(tui_nav_move(NULL, &n, TA_FIRST));
    assert_int_equal(n.top, 0);
    /* Shorter than the screen: it never scrolls. */
    struct tui_nav s = {.lines = 5, .height = 20};
    tui_nav_move(NULL, &s, TA_PAGE_DOWN);
    tui_nav_clamp(&s);
    assert_int_equal(s.top, 0);
    /* A pane of one row still moves a row a page. */
    struct tui_nav p = {.lines = 10, .height = 1};
    tui_nav_move(NULL, &p, TA_PAGE_DOWN);
    assert_int_equal(p.top, 1);
    /* Not a move: left to the screen. */
    assert_false(tui_nav_move(NULL, &n, TA_OPEN));
    assert_false(tui_nav_move(NULL, &n, TA_NONE));
}

/* A pager that records what the list asked of it. */
struct calls {
    char log[256];
};

static void
note(void *ctx, const char *what)
{
    struct calls *c = ctx;
    strncat(c->log, what, sizeof c->log - strlen(c->log) - 1);
}

static void
next_page(struct app *app, void *ctx)
{
    (void)app;
    note(ctx, "next ");
}

static void
prev_page(struct app *app, void *ctx, bool select_last)
{
    (void)app;
    note(ctx, select_last ? "prev-last " : "prev ");
}

static void
first(struct app *app, void *ctx)
{
    (void)app;
    note(ctx, "first ");
}

static void
last(struct app *app, void *ctx)
{
    (void)app;
    note(ctx, "last ");
}

static const struct tui_pager pager = {next_page, prev_page, first, last};

/* A list moves its selection within the page, and turns the page only at its ends. */
static void
list_moves(void **unused)
{
    (void)unused;
    struct calls c = {""};
    struct tui_nav n = {.lines = 3, .height = 3, .pager = &pager, .ctx = &c, .more = true};
    tui_nav_move(NULL, &n, TA_DOWN);
    tui_nav_move(NULL, &n, TA_DOWN);
    assert_int_equal(n.sel, 2);
    assert_string_equal(c.log, "");
    tui_nav_move(NULL, &n, TA_DOWN); /* past the page: the next one */
    assert_string_equal(c.log, "next ");
    n.sel = 0;
    n.at_top = false;
    tui_nav_move(NULL, &n, TA_UP); /* before the page: the previous one, on its last row */
    assert_string_equal(c.log, "next prev-last ");
    tui_nav_move(NULL, &n, TA_PAGE_UP);
    assert_string_equal(c.log, "next prev-last prev ");
    tui_nav_move(NULL, &n, TA_FIRST);
    tui_nav_move(NULL, &n, TA_LAST);
    assert_string_equal(c.log, "next prev-last prev first last ");
    /* At the top, PgUp selects the first row; at the end, PgDn the last. */
    struct calls d = {""};
    struct tui_nav e = {
        .lines = 3, .height = 3, .pager = &pager, .ctx = &d, .sel = 1, .at_top = true};
    tui_nav_move(NULL, &e, TA_PAGE_UP);
    assert_int_equal(e.sel, 0);
    tui_nav_move(NULL, &e, TA_PAGE_DOWN);
    assert_int_equal(e.sel, 2);
    tui_nav_move(NULL, &e, TA_DOWN);
    assert_int_equal(e.sel, 2);
    assert_string_equal(d.log, "");
}

/* Each core action has exactly one key action, of kind TK_CORE and of the same name. */
static void
core_actions(void **unused)
{
    (void)unused;
    int keys_of[CR_ACTION_COUNT] = {0};
    for (int a = 0; a < TA_COUNT; a++) {
        int core = tui_action_core(a);
        assert_int_equal(core >= 0, tui_action_kind(a) == TK_CORE);
        if (core < 0)
            continue;
        assert_true(core < CR_ACTION_COUNT);
        assert_string_equal(tui_action_name(a), cr_action_name(core));
        keys_of[core]++;
    }
    for (int c = 0; c < CR_ACTION_COUNT; c++)
        assert_int_equal(keys_of[c], 1);
    assert_int_equal(tui_action_kind(TA_NONE), -1);
    assert_int_equal(tui_action_core(TA_NONE), -1);
}

/*
 * The driver routes by kind (tui_route_of): a move only to a navigation, a
 * core action only to the shared core-action handler, a screen only opened
 * through the registry or done by the driver, a form's key only to a form's
 * handler.  A key action whose kind says one thing and whose routing does
 * another fails here.
 */
static void
routing_follows_kind(void **unused)
{
    (void)unused;
    int routed[TA_COUNT] = {0}, screen_routed[TA_COUNT] = {0};
    for (size_t i = 0; tui_screens[i]; i++) {
        const struct screen_ops *ops = tui_screens[i];
        for (int a = 0; a < TA_COUNT; a++) {
            enum tui_route r = tui_route_of(ops, a);
            int kind = tui_action_kind(a);
            if (r != TR_NONE)
                routed[a]++;
            switch (r) {
            case TR_NAV: {
                assert_int_equal(kind, TK_NAV);
                struct tui_nav n = {.lines = 10, .height = 5};
                assert_true(tui_nav_move(NULL, &n, a));
                break;
            }
            case TR_CORE:
                /* A core action on the selected case, or on the case core picks (take next). */
                assert_true(kind == TK_CORE || kind == TK_PICK);
                break;
            case TR_OPEN:
                assert_int_equal(kind, TK_SCREEN);
                assert_non_null(tui_screen_for(a));
                break;
            case TR_DRIVER:
                assert_int_equal(kind, TK_SCREEN);
                break;
            case TR_HANDLER:
                /* A core action has one handler, the driver's; a form's keys only a form's. */
                assert_int_not_equal(kind, TK_CORE);
                assert_true(kind != TK_FORM || ops == &form_screen);
                break;
            case TR_NONE:
                break;
            }
            if (kind == TK_FORM && ops != &form_screen)
                assert_int_equal(r, TR_NONE);
            /* A screen action works outside a form (a form's own keys are FORM). */
            if (kind == TK_SCREEN && ops != &form_screen && r != TR_NONE)
                screen_routed[a]++;
        }
        assert_int_equal(tui_route_of(ops, TA_NONE), TR_NONE);
    }
    /* Every key action does something on some screen: none is dead data. */
    for (int a = 0; a < TA_COUNT; a++)
        if (!routed[a] || (tui_action_kind(a) == TK_SCREEN && !screen_routed[a]))
            fail_msg("key action %s is routed nowhere%s", tui_action_name(a),
                     routed[a] ? " but in a form" : "");
}

/*
 * A screen that takes core actions takes every one, in the key table's
 * order (TUI_CORE_FUNCTIONS), needing a selected case, routed to the shared
 * handler.  The queue and the case screen take them; the others none.
 */
static void
core_actions_everywhere(void **unused)
{
    (void)unused;
    for (size_t i = 0; tui_screens[i]; i++) {
        const struct screen_ops *ops = tui_screens[i];
        int offered = 0, last = -1;
        for (int a = 0; a < TA_COUNT; a++) {
            if (tui_action_kind(a) != TK_CORE)
                continue;
            const struct tui_function *f = tui_function_of(ops->functions, a);
            if (!f)
                continue;
            offered++;
            assert_true(f->flags & TUI_NEED_CASE);
            assert_int_equal(tui_route_of(ops, a), TR_CORE);
            int at = (int)(f - ops->functions);
            assert_true(at > last);
            last = at;
        }
        bool takes = ops == &queue_screen || ops == &case_screen;
        assert_int_equal(offered, takes ? CR_ACTION_COUNT : 0);
    }
}

/* Over a form (F3) the case screen offers reading and leaving, no action. */
static void
peek_offers_reading_only(void **unused)
{
    (void)unused;
    for (const struct tui_function *f = case_screen.functions; f->action != TA_NONE; f++) {
        if (!(f->flags & TUI_PEEK))
            continue;
        int kind = tui_action_kind(f->action);
        assert_true(kind == TK_NAV || kind == TK_SCREEN);
        assert_int_not_equal(f->action, TA_NEXT_CASE);
        assert_int_not_equal(f->action, TA_PREV_CASE);
        assert_int_not_equal(f->action, TA_DASHBOARD);
    }
    /* Back to the form: F3, q and Esc. */
    assert_true(tui_function_of(case_screen.functions, TA_SHOW_CASE)->flags & TUI_PEEK);
    assert_true(tui_function_of(case_screen.functions, TA_QUIT)->flags & TUI_PEEK);
    assert_true(tui_function_of(case_screen.functions, TA_CANCEL)->flags & TUI_PEEK);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(text_moves),
        cmocka_unit_test(list_moves),
        cmocka_unit_test(core_actions),
        cmocka_unit_test(routing_follows_kind),
        cmocka_unit_test(core_actions_everywhere),
        cmocka_unit_test(peek_offers_reading_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
