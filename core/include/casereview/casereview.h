/*
 * casereview: the core library.
 *
 * Storage, import and queries for a professional-standards case review.
 * Every function that can fail returns an enum cr_status; the message that
 * goes with a failure is read from the handle with cr_db_errmsg().  Nothing
 * here prints, exits or reads the clock: the caller injects the clock.
 *
 * This header includes every topic header of the library; a file may include
 * only the topic headers it uses.
 */
#ifndef CASEREVIEW_CASEREVIEW_H
#define CASEREVIEW_CASEREVIEW_H

#include <casereview/audit.h>
#include <casereview/cases.h>
#include <casereview/config.h>
#include <casereview/db.h>
#include <casereview/erase.h>
#include <casereview/followup.h>
#include <casereview/names.h>
#include <casereview/qa.h>
#include <casereview/report.h>
#include <casereview/status.h>
#include <casereview/text.h>
#include <casereview/theme.h>
#include <casereview/timeline.h>

#endif
