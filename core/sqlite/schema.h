/*
 * The database schema, as a list of migration steps in order.  Each step
 * belongs to the schema version it builds; a database at user_version v runs
 * the steps of versions above v.  A released step is never edited: a change
 * is a step of a new version.
 */
#ifndef CASEREVIEW_SCHEMA_H
#define CASEREVIEW_SCHEMA_H

#include <stddef.h>

struct cr_migration_step {
    int version;
    const char *sql;
};

extern const struct cr_migration_step cr_schema[];
extern const size_t cr_schema_count;

#endif
