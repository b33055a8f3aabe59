/*
 * Synthetic flagged allegations.  Every name, unit and event here is
 * invented; the mixes (employment, ranks, duty status, categories,
 * sources, dates over ten years, one to several allegations a subject)
 * are chosen to look like a force's real caseload, and summaries carry
 * commas, quotes and line breaks so that the import's quoting is
 * exercised on every run.
 */
#include "generate.h"

#include "casereview/casereview.h"

#include <string.h>

/* splitmix64: small, fast, and the same everywhere. */
struct rng {
    uint64_t s;
};

static uint64_t
next(struct rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static unsigned
below(struct rng *r, unsigned n)
{
    return (unsigned)(next(r) % n);
}

#define PICK(r, a) ((a)[below((r), sizeof(a) / sizeof((a)[0]))])

/* A value from a table of {weight, value} pairs. */
struct weighted {
    unsigned weight;
    const char *value;
};

static const char *
pick_weighted(struct rng *r, const struct weighted *w, size_t n)
{
    unsigned total = 0;
    for (size_t i = 0; i < n; i++)
        total += w[i].weight;
    unsigned x = below(r, total);
    for (size_t i = 0; i < n; i++) {
        if (x < w[i].weight)
            return w[i].value;
        x -= w[i].weight;
    }
    return w[n - 1].value;
}
#define WEIGHTED(r, a) pick_weighted((r), (a), sizeof(a) / sizeof((a)[0]))

static const char *const forenames[] = {
    "Alex",     "Amelia",      "Aoife",  "Bartholomew", "Bea",     "Callum",    "Ciarán", "Daniel",
    "Delphine", "Eilidh",      "Emeka",  "Fatima",      "Florian", "Gethin",    "Hannah", "Ifeoma",
    "Imogen",   "Jamal",       "Joanna", "José",        "Kai",     "Katarzyna", "Lars",   "Leila",
    "Łukasz",   "Mairéad",     "Marcus", "Nadia",       "Noémie",  "Oluwaseun", "Orla",   "Pádraig",
    "Priya",    "Rhiannon",    "Rory",   "Siân",        "Søren",   "Tariq",     "Theo",   "Una",
    "Wiktoria", "Yusuf",       "Zoë",    "Zsófia",      "Дмитрий", "Ольга",     "Ιωάννα", "明美",
    "健太",     "Thanh Hương", "Anaïs",  "Bjørn",       "Jürgen",  "Renée",
};

static const char *const surnames[] = {
    "Abernethy-Quill",
    "Ashgrove",
    "Blackwater",
    "Brackenridge",
    "Bramblecote",
    "Caddick-Fenn",
    "Cloudsley",
    "Dunmorrow",
    "Elderby",
    "Fairweather-Lusk",
    "Fenwright",
    "Gorsebrook",
    "Hollowell",
    "Inchmarlo",
    "Jessamy",
    "Kettlewick",
    "Larkspur",
    "Lowenthorpe",
    "Marrowby",
    "Nettlefold",
    "O'Brannagh",
    "Pellinore",
    "Quillfeather",
    "Ravensholt",
    "Saltmarsh",
    "Thistlewood",
    "Umberfield",
    "Vanstone-Reed",
    "Wainscott",
    "Yarrowby",
    "Żelazowska",
    "Brønnerud",
    "Müller-Ashby",
    "Ó Caoimhe",
    "Çelikdağ",
    "Nguyễn-Hale",
    "Κωνσταντάρα",
    "Воронцова-Пирс",
    "山之内",
    "Dubois-Merriweather",
    "de la Fontaine-Crisp",
    "Ní Dhubhghaill",
};

static const struct weighted employment[] = {
    {70, "officer"},
    {25, "staff"},
    {5, "special"},
};

static const struct weighted officer_ranks[] = {
    {52, "Police Constable"},
    {10, "Detective Constable"},
    {15, "Police Sergeant"},
    {6, "Detective Sergeant"},
    {7, "Inspector"},
    {4, "Detective Inspector"},
    {3, "Chief Inspector"},
    {2, "Superintendent"},
    {1, "Chief Superintendent"},
};

static const struct weighted staff_grades[] = {
    {20, "PCSO"},   {20, "Band E"}, {20, "Band D"},        {18, "Band C"},
    {12, "Band B"}, {7, "Band A"},  {3, "Senior Manager"},
};

static const struct weighted special_ranks[] = {
    {80, "Special Constable"},
    {15, "Special Sergeant"},
    {5, "Special Inspector"},
};

static const char *const units[] = {
    "Central West BCU",
    "Central North BCU",
    "East Area BCU",
    "North East BCU",
    "South Area BCU",
    "West Area BCU",
    "Response Team 4, North Area",
    "Response Team 2, South Area",
    "Neighbourhood Policing, Riverside",
    "Roads and Transport Policing",
    "Territorial Support Group",
    "Dog Support Unit",
    "Marine Policing Unit",
    "Custody, Eastbridge",
    "Custody, Westmoor",
    "Public Protection, Child Abuse Investigation",
    "Public Protection, Domestic Abuse",
    "Major Investigation Team 3",
    "Criminal Investigation Department, Northgate",
    "Economic Crime",
    "Forensic Services",
    "Contact Centre",
    "Intelligence Bureau",
    "Operational Support",
    "Training School",
    "Professional Standards",
    "Human Resources",
    "Estates and Facilities",
    "Specialist Firearms Command",
    "Royalty and Specialist Protection",
};

static const struct weighted duty[] = {
    {68, "full"},
    {22, "restricted"},
    {10, "suspended"},
};

static const struct weighted vetting[] = {
    {74, "cleared"},
    {15, "under_review"},
    {4, "withdrawn"},
    {7, ""},
};

static const struct weighted category[] = {
    {68, "domestic_violence"},
    {32, "sexual_offence"},
};

static const struct weighted source[] = {
    {44, "complaint"}, {16, "hotline"}, {16, "colleague"}, {15, "pnd"}, {9, "other"},
};

static const struct weighted original_outcome[] = {
    {30, "No further action"},
    {14, "Words of advice"},
    {12, "Management action"},
    {10, "Reflective practice"},
    {8, "Written warning"},
    {5, "Final written warning"},
    {6, "Misconduct meeting, no case to answer"},
    {5, "Victim withdrew support, no further action"},
    {4, "Referred to CPS, no charge"},
    {3, "Charged, acquitted at trial"},
    {3, "Not recorded"},
};

static const char *const openings[] = {
    "A former partner reported that the subject had",
    "The complainant, a neighbour, stated that the subject",
    "A colleague reported that, while off duty, the subject",
    "The subject's spouse told call handlers that the subject",
    "An anonymous caller to the hotline alleged that the subject",
    "A PND check returned an intelligence record that the subject",
    "A member of the public alleged that the subject, while on duty,",
    "The subject's former partner reported to a neighbouring force that the subject",
};

static const char *const acts[] = {
    "made repeated threatening calls over several weeks",
    "pushed her against a door during an argument at the family home",
    "sent unwanted messages of a sexual nature to a junior colleague",
    "tracked her phone without consent and turned up at her workplace",
    "made inappropriate comments and touched a member of staff at a leaving do",
    "damaged property and refused to leave the address",
    "used a police database to find the new address of an ex-partner",
    "exposed himself to a woman on a train platform",
    "controlled the household finances and isolated the victim from family",
    "grabbed the victim by the wrist, leaving bruising",
};

static const char *const middles[] = {
    " The victim later said she \"did not want to get him into trouble\".",
    " Officers attended; no injuries were visible, and body-worn video was not retained.",
    " A DASH risk assessment was completed and graded \"standard\".",
    " The account was supported by text messages, but the victim declined to make a statement.",
    " Two witnesses, both colleagues, gave accounts that differed on the timing.",
    " The subject denied the allegation, describing it as \"a misunderstanding\".",
    " A supervisor spoke to the subject informally; no record of the conversation exists.",
    " The matter was recorded as a non-crime domestic incident.",
};

static const char *const endings[] = {
    " No referral to Professional Standards was made at the time.",
    " The file notes say \"words of advice given\" and nothing further.",
    " A later report, six months on, described similar behaviour towards a new partner.",
    " The vetting unit was not told.",
    " The decision-maker's rationale was not recorded.",
    " The subject remained on full duties throughout.",
};

/* Write a summary of a few hundred characters; some have line breaks. */
static void
summary(struct rng *r, char *out, size_t cap)
{
    size_t n = 0;
    /* Drawn one at a time: the order of a call's arguments is unspecified, and gcc and clang
     * would otherwise draw them in opposite orders (different data from the same seed). */
    const char *act = PICK(r, acts);
    const char *opening = PICK(r, openings);
    n += (size_t)snprintf(out + n, cap - n, "%s %s.", opening, act);
    unsigned extra = 1 + below(r, 3);
    for (unsigned i = 0; i < extra && n < cap; i++) {
        const char *middle = PICK(r, middles);
        if (below(r, 6) == 0 && n + 1 < cap) {
            /* A paragraph break instead of the sentence's leading space. */
            out[n++] = '\n';
            out[n] = '\0';
            middle++;
        }
        n += (size_t)snprintf(out + n, cap - n, "%s", middle);
    }
    if (n < cap)
        snprintf(out + n, cap - n, "%s", PICK(r, endings));
}

/* Days from 1970-01-01 for a date in 2015..2024 (ten years before the demo's epoch). */
#define DAY_2015_01_01 16436
#define DAYS_TEN_YEARS 3653

static int
write_row(FILE *out, const char *const fields[], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i && putc(',', out) == EOF)
            return -1;
        if (cr_csv_write_field(out, fields[i]) < 0)
            return -1;
    }
    return putc('\n', out) == EOF ? -1 : 0;
}

int
crgen_write(FILE *out, long n, uint64_t seed)
{
    static const char *const header[] = {
        "subject_ref",
        "surname",
        "forenames",
        "employment",
        "rank",
        "unit",
        "duty_status",
        "vetting_status",
        "allegation_ref",
        "category",
        "allegation_date",
        "source",
        "original_outcome",
        "summary",
    };
    if (write_row(out, header, sizeof header / sizeof header[0]) < 0)
        return -1;

    struct rng r = {seed};
    /* A bijection on 0..9999999, so that subject references never repeat. */
    unsigned long offset = (unsigned long)(next(&r) % 10000000u);
    unsigned long alleg = 0;
    for (long i = 0; i < n; i++) {
        char sref[32], forename[128], rankbuf[64];
        unsigned long k = ((unsigned long)i * 7919ul + offset) % 10000000ul;
        snprintf(sref, sizeof sref, "PS%07lu", k);

        const char *emp = WEIGHTED(&r, employment);
        const char *rank = strcmp(emp, "officer") == 0 ? WEIGHTED(&r, officer_ranks)
                           : strcmp(emp, "staff") == 0 ? WEIGHTED(&r, staff_grades)
                                                       : WEIGHTED(&r, special_ranks);
        snprintf(rankbuf, sizeof rankbuf, "%s", rank);
        if (below(&r, 5) == 0) {
            /* A middle name, never the first name again. */
            unsigned nf = sizeof forenames / sizeof forenames[0];
            unsigned a = below(&r, nf), b = (a + 1 + below(&r, nf - 1)) % nf;
            snprintf(forename, sizeof forename, "%s %s", forenames[a], forenames[b]);
        } else
            snprintf(forename, sizeof forename, "%s", PICK(&r, forenames));
        const char *surname = PICK(&r, surnames);
        const char *unit = units[below(&r, sizeof units / sizeof units[0])];
        const char *dut = WEIGHTED(&r, duty);
        const char *vet = WEIGHTED(&r, vetting);

        unsigned x = below(&r, 100);
        unsigned count = x < 60 ? 1 : x < 82 ? 2 : x < 92 ? 3 : 4 + below(&r, 4);
        for (unsigned a = 0; a < count; a++) {
            char aref[32], date[11], text[1024];
            int64_t day = DAY_2015_01_01 + (int64_t)below(&r, DAYS_TEN_YEARS);
            cr_date_format(day, date);
            snprintf(aref, sizeof aref, "AL%.4s-%07lu", date, ++alleg);
            summary(&r, text, sizeof text);
            const char *fields[] = {
                sref,
                surname,
                forename,
                emp,
                rankbuf,
                unit,
                dut,
                vet,
                aref,
                WEIGHTED(&r, category),
                date,
                WEIGHTED(&r, source),
                WEIGHTED(&r, original_outcome),
                text,
            };
            if (write_row(out, fields, sizeof fields / sizeof fields[0]) < 0)
                return -1;
        }
    }
    return fflush(out) == EOF ? -1 : 0;
}
