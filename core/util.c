/*
 * Shared helpers: status and enumeration tables, strings, diagnostics,
 * UTF-8, dates, and the CSV and JSON writers.
 */
#include "internal.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* Status codes */

static const struct {
    int exit;
    const char *text;
} status_info[] = {
#define CR_X(name, exit, text) {exit, text},
    CR_STATUS_LIST(CR_X)
#undef CR_X
};

int
cr_status_exit(enum cr_status status)
{
    if ((unsigned)status >= CR_STATUS_COUNT)
        return 4;
    return status_info[status].exit;
}

const char *
cr_status_text(enum cr_status status)
{
    if ((unsigned)status >= CR_STATUS_COUNT)
        return "unknown status";
    return status_info[status].text;
}

/* Enumerations: one name table and one label table each. */

#define CR_ENUM_TABLES(lower, upper, list)                            \
    static const char *const lower##_names[] = {list(CR_NAME)};       \
    static const char *const lower##_labels[] = {list(CR_LABEL)};     \
    const char *cr_##lower##_name(int value)                          \
    {                                                                 \
        if (value < 0 || value >= (int)CR_ARRAY_LEN(lower##_names))   \
            return NULL;                                              \
        return lower##_names[value];                                  \
    }                                                                 \
    const char *cr_##lower##_label(int value)                         \
    {                                                                 \
        if (value < 0 || value >= (int)CR_ARRAY_LEN(lower##_labels))  \
            return NULL;                                              \
        return lower##_labels[value];                                 \
    }                                                                 \
    int cr_##lower##_parse(const char *s)                             \
    {                                                                 \
        for (size_t i = 0; s && i < CR_ARRAY_LEN(lower##_names); i++) \
            if (strcmp(s, lower##_names[i]) == 0)                     \
                return (int)i;                                        \
        return -1;                                                    \
    }
/* A list's rows have three columns, or more (categories: a short name). */
#define CR_NAME(id, name, ...) name,
#define CR_LABEL(id, name, ...) CR_LABEL_OF(__VA_ARGS__, )
#define CR_LABEL_OF(label, ...) label,
CR_ENUMS(CR_ENUM_TABLES)
#undef CR_NAME
#undef CR_LABEL
#undef CR_LABEL_OF
#undef CR_ENUM_TABLES

#define CR_SHORT(id, name, label, short_name) short_name,
static const char *const category_shorts[] = {CR_CATEGORY_LIST(CR_SHORT)};
#undef CR_SHORT

const char *
cr_category_short(int value)
{
    if (value < 0 || value >= (int)CR_ARRAY_LEN(category_shorts))
        return NULL;
    return category_shorts[value];
}

#define CR_X(id, name) name,
const char *const cr_column_names[CR_COL_COUNT] = {CR_COLUMN_LIST(CR_X)};
#undef CR_X

/* Strings */

static int
buf_grow(struct cr_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1) {
        if (cap > SIZE_MAX / 2)
            return -1;
        cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (!p)
        return -1;
    b->p = p;
    b->cap = cap;
    return 0;
}

int
cr_buf_add(struct cr_buf *b, const char *s, size_t n)
{
    if (buf_grow(b, n) < 0)
        return -1;
    if (n)
        memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

int
cr_buf_addc(struct cr_buf *b, char c)
{
    return cr_buf_add(b, &c, 1);
}

static int buf_vaddf(struct cr_buf *b, const char *fmt, va_list ap) CR_PRINTF(2, 0);

static int
buf_vaddf(struct cr_buf *b, const char *fmt, va_list ap)
{
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    if (n < 0 || buf_grow(b, (size_t)n) < 0)
        return -1;
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int
cr_buf_addf(struct cr_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = buf_vaddf(b, fmt, ap);
    va_end(ap);
    return rc;
}

char *
cr_vformat(const char *fmt, va_list ap)
{
    struct cr_buf b = {0};
    if (buf_vaddf(&b, fmt, ap) < 0) {
        cr_buf_free(&b);
        return NULL;
    }
    return b.p;
}

void
cr_buf_reset(struct cr_buf *b)
{
    b->len = 0;
    if (b->p)
        b->p[0] = '\0';
}

void
cr_buf_free(struct cr_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

/* Diagnostics */

struct cr_diags {
    char **msgs;
    size_t n, total, max;
};

cr_diags *
cr_diags_new(size_t max)
{
    cr_diags *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->msgs = calloc(max ? max : 1, sizeof *d->msgs);
    if (!d->msgs) {
        free(d);
        return NULL;
    }
    d->max = max;
    return d;
}

int
cr_diags_addf(cr_diags *d, const char *fmt, ...)
{
    d->total++;
    if (d->n >= d->max)
        return 0;
    struct cr_buf b = {0};
    va_list ap;
    va_start(ap, fmt);
    int rc = buf_vaddf(&b, fmt, ap);
    va_end(ap);
    if (rc < 0) {
        cr_buf_free(&b);
        return -1;
    }
    d->msgs[d->n++] = b.p;
    return 0;
}

bool
cr_diags_full(const cr_diags *d)
{
    return d->n >= d->max;
}

size_t
cr_diags_count(const cr_diags *d)
{
    return d ? d->n : 0;
}

size_t
cr_diags_total(const cr_diags *d)
{
    return d ? d->total : 0;
}

const char *
cr_diags_get(const cr_diags *d, size_t i)
{
    return d && i < d->n ? d->msgs[i] : NULL;
}

void
cr_diags_free(cr_diags *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++)
        free(d->msgs[i]);
    free(d->msgs);
    free(d);
}

/* UTF-8 */

bool
cr_utf8_valid(const char *str, size_t n, size_t *bad)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        /* Eight bytes of ASCII at a time: most text is. */
        uint64_t word;
        while (n - i >= sizeof word) {
            memcpy(&word, s + i, sizeof word);
            if (word & UINT64_C(0x8080808080808080))
                break;
            i += sizeof word;
        }
        if (i == n)
            break;
        unsigned c = s[i];
        size_t len;
        unsigned min, cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            len = 2, min = 0x80, cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3, min = 0x800, cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4, min = 0x10000, cp = c & 0x07;
        } else {
            goto fail;
        }
        if (n - i < len)
            goto fail;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                goto fail;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            goto fail;
        i += len;
    }
    return true;
fail:
    if (bad)
        *bad = i;
    return false;
}

/* Dates: the proleptic Gregorian calendar, days from 1970-01-01. */

static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void
civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)((int64_t)yoe + era * 400 + (*m <= 2));
}

int
cr_date_parse(const char *s, size_t n, int64_t *days)
{
    if (n != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (size_t i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return -1;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    unsigned m = (unsigned)((s[5] - '0') * 10 + (s[6] - '0'));
    unsigned d = (unsigned)((s[8] - '0') * 10 + (s[9] - '0'));
    static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1 || m < 1 || m > 12 || d < 1)
        return -1;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[m - 1] + (m == 2 && leap))
        return -1;
    *days = days_from_civil(y, m, d);
    return 0;
}

int
cr_time_parse(const char *s, int64_t *t)
{
    int64_t days;
    if (!s || strlen(s) < 10 || cr_date_parse(s, 10, &days) < 0)
        return -1;
    if (s[10] == '\0') {
        *t = days * 86400;
        return 0;
    }
    const char *p = s + 10;
    if (strlen(p) != 10 || p[0] != 'T' || p[3] != ':' || p[6] != ':' || p[9] != 'Z')
        return -1;
    for (int i = 1; i < 9; i++)
        if (i != 3 && i != 6 && (p[i] < '0' || p[i] > '9'))
            return -1;
    int h = (p[1] - '0') * 10 + (p[2] - '0');
    int m = (p[4] - '0') * 10 + (p[5] - '0');
    int sec = (p[7] - '0') * 10 + (p[8] - '0');
    if (h > 23 || m > 59 || sec > 59)
        return -1;
    *t = days * 86400 + h * 3600 + m * 60 + sec;
    return 0;
}

void
cr_date_format(int64_t days, char out[11])
{
    int y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    char tmp[48];
    snprintf(tmp, sizeof tmp, "%04d-%02u-%02u", y, m, d);
    memcpy(out, tmp, 10);
    out[10] = '\0';
}

void
cr_time_format(int64_t t, char out[21])
{
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    int64_t secs = t - days * 86400;
    int y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%04d-%02u-%02uT%02d:%02d:%02dZ", y, m, d, (int)(secs / 3600),
             (int)(secs / 60 % 60), (int)(secs % 60));
    memcpy(out, tmp, 20);
    out[20] = '\0';
}

/* Writers */

int
cr_csv_write_field(FILE *f, const char *s)
{
    size_t n = strlen(s);
    bool quote = n && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t');
    if (!quote)
        quote = strpbrk(s, ",\"\r\n") != NULL;
    if (!quote)
        return fwrite(s, 1, n, f) == n ? 0 : -1;
    if (putc('"', f) == EOF)
        return -1;
    for (const char *p = s; *p; p++) {
        if (*p == '"' && putc('"', f) == EOF)
            return -1;
        if (putc(*p, f) == EOF)
            return -1;
    }
    return putc('"', f) == EOF ? -1 : 0;
}

int
cr_buf_add_json(struct cr_buf *b, const char *s)
{
    int rc = cr_buf_addc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p && rc == 0; p++) {
        switch (*p) {
        case '"':
            rc = cr_buf_add(b, "\\\"", 2);
            break;
        case '\\':
            rc = cr_buf_add(b, "\\\\", 2);
            break;
        case '\n':
            rc = cr_buf_add(b, "\\n", 2);
            break;
        case '\r':
            rc = cr_buf_add(b, "\\r", 2);
            break;
        case '\t':
            rc = cr_buf_add(b, "\\t", 2);
            break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                rc = cr_buf_addf(b, "\\u%04x", *p);
            else
                rc = cr_buf_addc(b, (char)*p);
        }
    }
    return rc == 0 ? cr_buf_addc(b, '"') : -1;
}

int
cr_json_write_string(FILE *f, const char *s)
{
    struct cr_buf b = {0};
    int rc = cr_buf_add_json(&b, s);
    if (rc == 0 && fwrite(b.p, 1, b.len, f) != b.len)
        rc = -1;
    cr_buf_free(&b);
    return rc;
}

/*
 * Priority (README, "Priority"): duty status dominates (full before
 * restricted before suspended); within a band, each sexual-offence
 * allegation adds 400 and each allegation 200 (both counted up to ten),
 * and the most recent allegation adds one point a month since 2000
 * (up to 399).  Higher is riskier; ties go to the older case.
 */
int64_t
cr_priority(int duty, int n_allegations, int n_sexual, const char *latest_date)
{
    static const int64_t band[CR_DUTY_COUNT] = {
        [CR_DUTY_FULL] = 300000,
        [CR_DUTY_RESTRICTED] = 200000,
        [CR_DUTY_SUSPENDED] = 100000,
    };
    int64_t p = (duty >= 0 && duty < CR_DUTY_COUNT) ? band[duty] : 0;
    p += 400 * (n_sexual < 10 ? n_sexual : 10);
    p += 200 * (n_allegations < 10 ? n_allegations : 10);
    int64_t days;
    if (latest_date && cr_date_parse(latest_date, strlen(latest_date), &days) == 0) {
        int y;
        unsigned m, d;
        civil_from_days(days, &y, &m, &d);
        int64_t months = (int64_t)(y - 2000) * 12 + (m - 1);
        p += months < 0 ? 0 : months > 399 ? 399 : months;
    }
    return p;
}

bool
cr_blank(const char *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return false;
    return true;
}

/* Hex */

void
cr_hex_of(const unsigned char *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
}

bool
cr_unhex(const char *s, unsigned char *out, size_t n)
{
    if (strlen(s) != 2 * n)
        return false;
    /* Hex digits only: sscanf's %x would take a sign or a space as well. */
    size_t got;
    const char *end;
    return sodium_hex2bin(out, n, s, 2 * n, NULL, &got, &end) == 0 && got == n && end == s + 2 * n;
}

/* The names of the bits set, for messages: "a", "a or b", "a, b, or c". */
void
cr_names_text(unsigned bits, int count, const char *(*name)(int), char *out, size_t n)
{
    int used_names = 0, total = 0;
    size_t used = 0;
    for (int i = 0; i < count; i++)
        total += (bits >> i) & 1u;
    out[0] = '\0';
    for (int i = 0; i < count && used < n; i++) {
        if (!(bits & (1u << i)))
            continue;
        used_names++;
        const char *sep = used_names == 1       ? ""
                          : used_names == total ? (total == 2 ? " or " : ", or ")
                                                : ", ";
        used += (size_t)snprintf(out + used, n - used, "%s%s", sep, name(i));
    }
}

/* The kinds of linked reference (timeline.h), a neutral helper as the names above. */
static const char *const link_kinds[CR_LINK_COUNT] = {"crime", "misconduct", "iopc", "other"};

const char *
cr_link_kind_name(int kind)
{
    return kind >= 0 && kind < CR_LINK_COUNT ? link_kinds[kind] : NULL;
}

int
cr_link_kind_parse(const char *name)
{
    for (int i = 0; name && i < CR_LINK_COUNT; i++)
        if (strcmp(link_kinds[i], name) == 0)
            return i;
    return -1;
}
