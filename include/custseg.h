/*
 * custseg.h - the public interface of libcustseg, an embeddable C library
 * for customer segmentation (RFM, deciles, and more).
 *
 * This header is the API reference: every declaration says what it takes,
 * what it returns, who owns the memory, and since which version it exists.
 * Anything not declared here is private and may change at any time.
 *
 * Conventions (see custseg(7)):
 *   - Functions that can fail return int: CUSTSEG_OK (0) or a negative
 *     CUSTSEG_E* code. custseg_strerror() names a code; the handle that failed
 *     keeps a detailed message (custseg_dataset_errmsg() and friends).
 *   - Output parameters come first and are named out.
 *   - Strings returned by the library belong to the handle that returned them
 *     and stay valid as long as that handle. Never free() them.
 *   - Money is fixed point: int64 ten-thousandths of the currency unit.
 *   - Times are int64 Unix seconds (UTC); days are UTC days.
 *   - No internal locking. Distinct handles may be used from distinct threads;
 *     a frozen dataset may be read by any number of concurrent custseg_run()
 *     calls. custseg_set_allocator() must be called before anything else.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CUSTSEG_H
#define CUSTSEG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(CUSTSEG_STATIC)
#  define CUSTSEG_API
#elif defined(_WIN32)
#  if defined(CUSTSEG_BUILDING)
#    define CUSTSEG_API __declspec(dllexport)
#  else
#    define CUSTSEG_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#  define CUSTSEG_API __attribute__((visibility("default")))
#else
#  define CUSTSEG_API
#endif

/* ------------------------------------------------------------------------
 * Version
 * ------------------------------------------------------------------------ */

#define CUSTSEG_VERSION_MAJOR 1
#define CUSTSEG_VERSION_MINOR 0
#define CUSTSEG_VERSION_PATCH 0
#define CUSTSEG_VERSION_NUMBER \
    (CUSTSEG_VERSION_MAJOR * 10000 + CUSTSEG_VERSION_MINOR * 100 + \
     CUSTSEG_VERSION_PATCH)
#define CUSTSEG_VERSION_STRING "1.0.0"

/** @return CUSTSEG_VERSION_NUMBER of the linked library. @since 1.0 */
CUSTSEG_API unsigned custseg_version(void);
/** @return CUSTSEG_VERSION_STRING of the linked library (static). @since 1.0 */
CUSTSEG_API const char *custseg_version_string(void);

/* ------------------------------------------------------------------------
 * Status codes. Numbers never change and are never reused.
 * ------------------------------------------------------------------------ */

enum {
    CUSTSEG_OK = 0,         /**< success */
    CUSTSEG_ITEROVER = 1,   /**< an iterator has no more items (not an error) */
    CUSTSEG_ENOMEM = -1,    /**< an allocation failed; nothing was changed */
    CUSTSEG_EINVAL = -2,    /**< an argument or option value is invalid */
    CUSTSEG_EIO = -3,       /**< a file could not be opened, read or written */
    CUSTSEG_EPARSE = -4,    /**< input could not be parsed (header, map, rule) */
    CUSTSEG_ENOTFOUND = -5, /**< no such customer, column, option or item */
    CUSTSEG_EMISUSE = -6,   /**< call not allowed in this state (e.g. frozen) */
    CUSTSEG_ERANGE = -7,    /**< a value is outside its documented range */
    CUSTSEG_ECANCELED = -8, /**< the progress callback asked to stop */
    CUSTSEG_ENODATA = -9,   /**< the dataset has no customers to segment */
    CUSTSEG_ELIMIT = -10,   /**< a documented size limit would be exceeded */
    CUSTSEG_ECALLBACK = -11 /**< a caller-supplied callback reported failure */
};

/**
 * @return a static, never NULL, English description of a status code;
 * unknown codes give "unknown status". @since 1.0
 */
CUSTSEG_API const char *custseg_strerror(int status);

/* ------------------------------------------------------------------------
 * Allocator hooks
 * ------------------------------------------------------------------------ */

#define CUSTSEG_ALLOCATOR_VERSION 1

/** A table of allocation functions; copied by custseg_set_allocator(). */
typedef struct custseg_allocator {
    unsigned version; /**< CUSTSEG_ALLOCATOR_VERSION */
    void *(*alloc)(void *payload, size_t size);
    void *(*realloc)(void *payload, void *ptr, size_t size);
    void (*free)(void *payload, void *ptr);
    void *payload; /**< passed to every hook */
} custseg_allocator;

/**
 * Replace malloc/realloc/free for everything the library allocates.
 * Must be called before any allocation by the library (else CUSTSEG_EMISUSE).
 * NULL restores the C library allocator. The table is copied.
 * @return CUSTSEG_OK, CUSTSEG_EINVAL (bad version or NULL hook),
 *         CUSTSEG_EMISUSE. @since 1.0
 */
CUSTSEG_API int custseg_set_allocator(const custseg_allocator *a);

/* ------------------------------------------------------------------------
 * Opaque handles
 * ------------------------------------------------------------------------ */

typedef struct custseg_dataset custseg_dataset;
typedef struct custseg_strategy custseg_strategy;
typedef struct custseg_result custseg_result;
typedef struct custseg_segment custseg_segment;
typedef struct custseg_iter custseg_iter;
typedef struct custseg_member_iter custseg_member_iter;

/**
 * Progress callback for long calls (loading, running). fraction is in
 * [0, 1] and never decreases within one call. Return 0 to go on, non-zero
 * to cancel: the call then fails with CUSTSEG_ECANCELED and changes nothing.
 */
typedef int (*custseg_progress_fn)(double fraction, void *payload);

/**
 * Write callback for exports: write len bytes of data. Return 0 on success,
 * non-zero to stop the export with CUSTSEG_ECALLBACK.
 */
typedef int (*custseg_write_fn)(const char *data, size_t len, void *payload);

/* ------------------------------------------------------------------------
 * Dataset: customers and their transactions, column by column.
 *
 * A dataset holds either transactions (one row per order line) or
 * pre-aggregated customer summaries (recency, frequency, monetary), not
 * both. It is filled by CSV loading, bulk columnar calls or one-row calls,
 * then frozen; once frozen it is read-only and may be shared by threads.
 * ------------------------------------------------------------------------ */

/** Create an empty dataset. @return CUSTSEG_OK or CUSTSEG_ENOMEM. @since 1.0 */
CUSTSEG_API int custseg_dataset_new(custseg_dataset **out);
/** Free a dataset and everything it owns; NULL is allowed. @since 1.0 */
CUSTSEG_API void custseg_dataset_free(custseg_dataset *ds);

/** @return the last error message on ds ("" when none); never NULL. */
CUSTSEG_API const char *custseg_dataset_errmsg(const custseg_dataset *ds);
/** @return the input line of the last error on ds, or -1. @since 1.0 */
CUSTSEG_API int64_t custseg_dataset_error_line(const custseg_dataset *ds);
/** @return the 1-based field of the last error on ds, or -1. @since 1.0 */
CUSTSEG_API int64_t custseg_dataset_error_column(const custseg_dataset *ds);

/**
 * Set an integer loading option. Names and ranges (custseg_dataset(3)):
 *   "header"        1 (default): first line names the columns; 0: none, and
 *                   columns are mapped by 1-based position.
 *   "drop_returns"  0 (default) or 1: skip rows with a negative amount
 *                   (counted in the load report, never silently).
 *   "threads"       1..256 (default 1): threads used to load CSV and freeze.
 * @return CUSTSEG_OK, CUSTSEG_ENOTFOUND (unknown name), CUSTSEG_EINVAL,
 *         CUSTSEG_EMISUSE (frozen). @since 1.0
 */
CUSTSEG_API int custseg_dataset_set_int(custseg_dataset *ds, const char *name,
                                        int64_t value);
/**
 * Set a string loading option:
 *   "delimiter"  one byte such as "," (default) ";" "\t" "|", or
 *                "whitespace": runs of spaces and tabs, leading ones ignored
 *                (for CDNOW-style files).
 * @return as custseg_dataset_set_int(). @since 1.0
 */
CUSTSEG_API int custseg_dataset_set_string(custseg_dataset *ds,
                                           const char *name,
                                           const char *value);

/**
 * Map a role to a CSV column, by header name (case-sensitive, exact) or, when
 * "header" is 0, by 1-based position written in decimal ("3").
 * Roles: "customer" (required), "order", "time", "amount", "quantity",
 * "price", "category" for transactions; "recency", "frequency", "monetary"
 * for pre-aggregated customers. Transactions need customer, time and either
 * amount or quantity and price; without order every row is one order.
 * "attr:NAME" reads a column of a transactions file as customer attribute
 * NAME, each customer keeping its most recent row's value (see
 * custseg_dataset_set_attribute_number()). A NULL column removes the
 * mapping.
 * @return CUSTSEG_OK, CUSTSEG_ENOTFOUND (unknown role), CUSTSEG_EINVAL,
 *         CUSTSEG_ENOMEM, CUSTSEG_EMISUSE. @since 1.0
 */
CUSTSEG_API int custseg_dataset_map_column(custseg_dataset *ds,
                                           const char *role,
                                           const char *column);

/**
 * Set a progress callback for loads on ds; NULL removes it. @since 1.0
 */
CUSTSEG_API void custseg_dataset_set_progress(custseg_dataset *ds,
                                              custseg_progress_fn fn,
                                              void *payload);

/**
 * Load an RFC 4180 CSV file (quotes, embedded delimiters and newlines, CR,
 * LF or CRLF line ends, UTF-8 BOM) using the column map. Bad rows are
 * rejected and counted in the load report, never dropped silently; a bad
 * header or missing mapped column is an error (CUSTSEG_EPARSE) that loads
 * nothing. Parsing never depends on the locale. May be called several
 * times; each call replaces the load report.
 * @return CUSTSEG_OK, CUSTSEG_EIO, CUSTSEG_EPARSE, CUSTSEG_EINVAL (mapping),
 *         CUSTSEG_ENOMEM, CUSTSEG_ELIMIT, CUSTSEG_ECANCELED, CUSTSEG_EMISUSE.
 * @since 1.0
 */
CUSTSEG_API int custseg_dataset_load_csv(custseg_dataset *ds,
                                         const char *path);
/**
 * As custseg_dataset_load_csv(), from a memory buffer; name is used in
 * messages (may be NULL: "<buffer>"). The buffer is not kept. @since 1.0
 */
CUSTSEG_API int custseg_dataset_load_csv_buffer(custseg_dataset *ds,
                                                const char *data, size_t len,
                                                const char *name);

/** Why a row was not accepted (load report). */
enum {
    CUSTSEG_REJECT_MISSING_CUSTOMER = 0, /**< empty customer id */
    CUSTSEG_REJECT_BAD_NUMBER = 1,  /**< amount/quantity/price/... invalid */
    CUSTSEG_REJECT_BAD_DATE = 2,    /**< time empty or not a valid timestamp */
    CUSTSEG_REJECT_FIELD_COUNT = 3, /**< wrong number of fields on the row */
    CUSTSEG_REJECT_RETURN_DROPPED = 4, /**< negative amount, "drop_returns" */
    CUSTSEG_REJECT_DUPLICATE_CUSTOMER = 5, /**< summary row for a customer
                                                already added */
    CUSTSEG_REJECT_MISSING_VALUE = 6, /**< another required field is
                                           empty (an event's name) */
    CUSTSEG_REJECT_REASON_COUNT = 7
};

/** @return rows read (data rows, not the header) by the last load. */
CUSTSEG_API int64_t custseg_dataset_rows_read(const custseg_dataset *ds);
/** @return rows accepted by the last load. */
CUSTSEG_API int64_t custseg_dataset_rows_accepted(const custseg_dataset *ds);
/** @return rows rejected for reason by the last load (0 for bad reason). */
CUSTSEG_API int64_t custseg_dataset_rows_rejected(const custseg_dataset *ds,
                                                  int reason);
/**
 * @return the input line number (1-based, physical line where the row
 * starts) of the k-th (0-based, k < 5) row rejected for reason, or -1.
 */
CUSTSEG_API int64_t custseg_dataset_reject_line(const custseg_dataset *ds,
                                                int reason, int k);
/** @return a static name for a reject reason ("missing customer", ...). */
CUSTSEG_API const char *custseg_reject_reason_name(int reason);

/**
 * Add one transaction. customer must be non-empty; order may be NULL (the
 * row is then an order of its own); category may be NULL.
 * @param time   Unix seconds, UTC
 * @param amount ten-thousandths of the currency unit (negative = return)
 * @return CUSTSEG_OK, CUSTSEG_EINVAL, CUSTSEG_ENOMEM, CUSTSEG_ELIMIT,
 *         CUSTSEG_EMISUSE (frozen or dataset holds summaries). @since 1.0
 */
CUSTSEG_API int custseg_dataset_add_transaction(custseg_dataset *ds,
                                                const char *customer,
                                                const char *order,
                                                int64_t time, int64_t amount,
                                                const char *category);

/**
 * Add n transactions in one call, column by column, without per-row
 * allocation. Customer ids are the n byte strings
 * customer_bytes[customer_offsets[i] .. customer_offsets[i+1]) (n + 1
 * offsets); order ids likewise, or order_bytes == NULL for one order per
 * row. Exactly one of amounts (ten-thousandths) and amounts_double (currency
 * units, rounded half to even to 4 places) is non-NULL. Either all rows are
 * added or none.
 * @return CUSTSEG_OK, CUSTSEG_EINVAL (with the row index in the message),
 *         CUSTSEG_ENOMEM, CUSTSEG_ELIMIT, CUSTSEG_EMISUSE. @since 1.0
 */
CUSTSEG_API int custseg_dataset_add_columns(custseg_dataset *ds, size_t n,
                                            const char *customer_bytes,
                                            const int64_t *customer_offsets,
                                            const char *order_bytes,
                                            const int64_t *order_offsets,
                                            const int64_t *times,
                                            const int64_t *amounts,
                                            const double *amounts_double);

/**
 * As custseg_dataset_add_columns() with integer keys: the customer id is the
 * decimal text of customer_keys[i]; order_keys may be NULL.
 * @since 1.0
 */
CUSTSEG_API int custseg_dataset_add_columns_keys(custseg_dataset *ds,
                                                 size_t n,
                                                 const int64_t *customer_keys,
                                                 const int64_t *order_keys,
                                                 const int64_t *times,
                                                 const int64_t *amounts,
                                                 const double *amounts_double);

/**
 * Add one pre-aggregated customer (as R rfm_table_customer takes them):
 * recency in days (>= 0), frequency (>= 0), monetary in ten-thousandths.
 * A customer may be added only once.
 * @return CUSTSEG_OK, CUSTSEG_EINVAL (duplicate or bad value),
 *         CUSTSEG_ENOMEM, CUSTSEG_ELIMIT, CUSTSEG_EMISUSE. @since 1.0
 */
CUSTSEG_API int custseg_dataset_add_customer(custseg_dataset *ds,
                                             const char *customer,
                                             int64_t recency_days,
                                             int64_t frequency,
                                             int64_t monetary);

/**
 * Freeze the dataset: after this it is read-only, per-customer metrics are
 * computed and cached, and it may be read by concurrent runs. Freezing twice
 * is allowed and does nothing. custseg_run() freezes an unfrozen dataset.
 * @return CUSTSEG_OK, CUSTSEG_ENOMEM, CUSTSEG_ENODATA (no customers),
 *         CUSTSEG_ERANGE (a customer's net amount overflows the money
 *         range; the dataset stays open).
 * @since 1.0
 */
CUSTSEG_API int custseg_dataset_freeze(custseg_dataset *ds);

/** @return number of distinct customers. @since 1.0 */
CUSTSEG_API size_t custseg_dataset_customer_count(const custseg_dataset *ds);
/** @return number of transactions held. @since 1.0 */
CUSTSEG_API size_t custseg_dataset_transaction_count(
    const custseg_dataset *ds);
/**
 * @return bytes of memory the dataset holds (its own structures), for
 * capacity planning. @since 1.0
 */
CUSTSEG_API size_t custseg_dataset_memory_bytes(const custseg_dataset *ds);

/* ------------------------------------------------------------------------
 * Strategy: a segmentation method with typed, named options.
 * ------------------------------------------------------------------------ */

/** Option types, for introspection. */
enum {
    CUSTSEG_OPT_INT = 1,
    CUSTSEG_OPT_DOUBLE = 2,
    CUSTSEG_OPT_STRING = 3
};

/**
 * Create a strategy by name: "rfm", "decile", "value", "lifecycle",
 * "prior", or a name registered with custseg_register_strategy().
 * @return CUSTSEG_OK, CUSTSEG_ENOTFOUND (unknown name), CUSTSEG_ENOMEM.
 * @since 1.0
 */
CUSTSEG_API int custseg_strategy_new(custseg_strategy **out,
                                     const char *name);
/** Free a strategy; NULL is allowed. @since 1.0 */
CUSTSEG_API void custseg_strategy_free(custseg_strategy *s);
/** @return the strategy's name ("rfm", ...). @since 1.0 */
CUSTSEG_API const char *custseg_strategy_name(const custseg_strategy *s);
/** @return the last error message on s ("" when none). @since 1.0 */
CUSTSEG_API const char *custseg_strategy_errmsg(const custseg_strategy *s);

/**
 * Set an integer option, checked now. rfm: "bins" (2..10, default 5),
 * "threads" (1..256, default 1). decile, value: "threads". lifecycle:
 * "new_days" (30), "active_days" (90), "at_risk_days" (180),
 * "dormant_days" (365), all 0..1000000, and "threads"; the day limits
 * must not decrease (checked by custseg_run(): CUSTSEG_EINVAL). prior:
 * "max_groups" (0..99998, 0 default: no cap) and "threads".
 * @return CUSTSEG_OK, CUSTSEG_ENOTFOUND (unknown option), CUSTSEG_EINVAL
 *         (wrong type or out of range). @since 1.0
 */
CUSTSEG_API int custseg_strategy_set_int(custseg_strategy *s,
                                         const char *name, int64_t value);
/** Set a double option (none of the built-in strategies has one yet). */
CUSTSEG_API int custseg_strategy_set_double(custseg_strategy *s,
                                            const char *name, double value);
/**
 * Set a string option, checked now. All: "as_of" (a date or date-time; see
 * custseg(7)). rfm: "binning" ("ntile" default, or "quantile").
 * decile: "metric" ("monetary" default, "frequency", "aov").
 * value: "metric" (as decile, or "attr:NAME", a number attribute looked
 * up by custseg_run()), "thresholds" (cut points on the cumulative share,
 * "0.8,0.95" default), "tiers" (names, one more than the cut points;
 * default "A,B,C..."; the count is checked by custseg_run()).
 * lifecycle: "mode" ("fixed" default, "gap"), "gap_multipliers" ("1,2,4"
 * default). prior: "default_segment" ("Other" default), "group_by" (an
 * attribute), "score" ("monetary" default, "frequency"); see
 * custseg_strategy_add_rule(3). See custseg_strategy_new(3).
 * @return as custseg_strategy_set_int(); CUSTSEG_ENOMEM. @since 1.0
 */
CUSTSEG_API int custseg_strategy_set_string(custseg_strategy *s,
                                            const char *name,
                                            const char *value);
/** @return the number of options s accepts. @since 1.0 */
CUSTSEG_API size_t custseg_strategy_option_count(const custseg_strategy *s);
/** @return the name of option i (< option_count), or NULL. @since 1.0 */
CUSTSEG_API const char *custseg_strategy_option_name(
    const custseg_strategy *s, size_t i);
/** @return the CUSTSEG_OPT_* type of option i, or 0. @since 1.0 */
CUSTSEG_API int custseg_strategy_option_type(const custseg_strategy *s,
                                             size_t i);

/**
 * rfm: append a segment defined by inclusive score ranges. Segments are
 * tried in the order added; the first match wins and customers matching
 * none go to "Others". Adding any segment replaces the default map.
 * @return CUSTSEG_OK, CUSTSEG_EINVAL (empty name, min > max, score < 1),
 *         CUSTSEG_ENOMEM, CUSTSEG_EMISUSE (not rfm). @since 1.0
 */
CUSTSEG_API int custseg_strategy_add_segment_range(custseg_strategy *s,
                                                   const char *name,
                                                   int r_min, int r_max,
                                                   int f_min, int f_max,
                                                   int m_min, int m_max);
/**
 * rfm: append a segment as an explicit list of score codes, written as
 * three digits ("555 554 544") or, for more than 9 bins, "10-9-8"; codes
 * separated by spaces or commas. Checked like ranges: first match wins.
 * @return CUSTSEG_OK, CUSTSEG_EPARSE (bad code, in the message),
 *         CUSTSEG_EINVAL, CUSTSEG_ENOMEM, CUSTSEG_EMISUSE. @since 1.0
 */
CUSTSEG_API int custseg_strategy_add_segment_codes(custseg_strategy *s,
                                                   const char *name,
                                                   const char *codes);
/**
 * rfm: read a segment map CSV with the header
 * segment,r_min,r_max,f_min,f_max,m_min,m_max and append its rows.
 * Errors name the file, line and field.
 * @return CUSTSEG_OK, CUSTSEG_EIO, CUSTSEG_EPARSE, CUSTSEG_ENOMEM,
 *         CUSTSEG_EMISUSE. @since 1.0
 */
CUSTSEG_API int custseg_strategy_load_segments(custseg_strategy *s,
                                               const char *path);
/** As custseg_strategy_load_segments() from memory. @since 1.0 */
CUSTSEG_API int custseg_strategy_load_segments_buffer(custseg_strategy *s,
                                                      const char *data,
                                                      size_t len,
                                                      const char *name);
/** rfm: remove all caller segments, restoring the default map. */
CUSTSEG_API void custseg_strategy_clear_segments(custseg_strategy *s);

/** Set a progress callback for runs of s; NULL removes it. @since 1.0 */
CUSTSEG_API void custseg_strategy_set_progress(custseg_strategy *s,
                                               custseg_progress_fn fn,
                                               void *payload);

/* ------------------------------------------------------------------------
 * Running and results
 * ------------------------------------------------------------------------ */

/**
 * Segment the customers of ds with s. Freezes ds if needed. ds is only read
 * (a frozen dataset may serve concurrent runs). The result owns copies of
 * everything it reports and outlives ds and s. Errors are recorded on s.
 * @return CUSTSEG_OK, CUSTSEG_ENOMEM, CUSTSEG_ENODATA, CUSTSEG_EINVAL
 *         (also options that do not fit together), CUSTSEG_ENOTFOUND
 *         (value: no such attribute), CUSTSEG_ECANCELED, CUSTSEG_EMISUSE
 *         (dataset lacks what the strategy needs), CUSTSEG_ERANGE (a
 *         money total overflows), CUSTSEG_ELIMIT (too many segments).
 *         @since 1.0
 */
CUSTSEG_API int custseg_run(custseg_result **out, custseg_strategy *s,
                            custseg_dataset *ds);
/** Free a result; NULL is allowed. @since 1.0 */
CUSTSEG_API void custseg_result_free(custseg_result *r);
/** @return the last error message on r ("" when none). @since 1.0 */
CUSTSEG_API const char *custseg_result_errmsg(const custseg_result *r);
/** @return the name of the strategy that made r. @since 1.0 */
CUSTSEG_API const char *custseg_result_strategy(const custseg_result *r);

/** @return the number of segments in r (including empty ones). */
CUSTSEG_API size_t custseg_result_segment_count(const custseg_result *r);
/**
 * Borrow segment i (in the strategy's order: map order, "Others" last;
 * decile 1..10). The segment lives as long as r.
 * @return CUSTSEG_OK or CUSTSEG_ENOTFOUND. @since 1.0
 */
CUSTSEG_API int custseg_result_segment_at(const custseg_segment **out,
                                          const custseg_result *r, size_t i);

/** @return the segment's name (owned by the result). @since 1.0 */
CUSTSEG_API const char *custseg_segment_name(const custseg_segment *seg);
/** @return the segment's index in its result. @since 1.0 */
CUSTSEG_API size_t custseg_segment_index(const custseg_segment *seg);
/** @return the number of customers in the segment. @since 1.0 */
CUSTSEG_API int64_t custseg_segment_count(const custseg_segment *seg);
/** @return the segment's revenue (sum of monetary), ten-thousandths. */
CUSTSEG_API int64_t custseg_segment_revenue(const custseg_segment *seg);

/** Statistics of a segment, for custseg_segment_stat(). */
enum {
    CUSTSEG_STAT_COUNT = 0,        /**< customers */
    CUSTSEG_STAT_SHARE = 1,        /**< count / all customers */
    CUSTSEG_STAT_REVENUE = 2,      /**< revenue in currency units */
    CUSTSEG_STAT_REVENUE_SHARE = 3,/**< revenue / total revenue */
    CUSTSEG_STAT_SCORE_MEAN = 4,   /**< mean of the strategy's score */
    CUSTSEG_STAT_SCORE_SD = 5,     /**< population standard deviation */
    CUSTSEG_STAT_SCORE_MIN = 6,
    CUSTSEG_STAT_SCORE_MAX = 7,
    CUSTSEG_STAT_CUM_REVENUE_SHARE = 8, /**< over segments 0..this one */
    CUSTSEG_STAT_LIFT = 9,         /**< mean revenue / overall mean */
    CUSTSEG_STAT_CUM_LIFT = 10,    /**< cumulative mean / overall mean */
    CUSTSEG_STAT_COUNT_OF = 11
};

/**
 * One statistic of a segment as a double. Score statistics of an empty
 * segment are 0. @return the value, or NaN for an unknown stat. @since 1.0
 */
CUSTSEG_API double custseg_segment_stat(const custseg_segment *seg,
                                        int stat);

/** Iterate the segments of r. @return CUSTSEG_OK or CUSTSEG_ENOMEM. */
CUSTSEG_API int custseg_result_iter_new(custseg_iter **out,
                                        const custseg_result *r);
/** Next segment: CUSTSEG_OK, or CUSTSEG_ITEROVER at the end. @since 1.0 */
CUSTSEG_API int custseg_iter_next(const custseg_segment **out,
                                  custseg_iter *it);
/** Start the iteration again from the first segment. @since 1.0 */
CUSTSEG_API void custseg_iter_reset(custseg_iter *it);
/** Free an iterator; NULL is allowed. @since 1.0 */
CUSTSEG_API void custseg_iter_free(custseg_iter *it);

/**
 * Iterate the members of a segment, as customer rows of r (see
 * custseg_result_customer_id()), in customer id byte order.
 * @return CUSTSEG_OK or CUSTSEG_ENOMEM. @since 1.0
 */
CUSTSEG_API int custseg_member_iter_new(custseg_member_iter **out,
                                        const custseg_result *r,
                                        const custseg_segment *seg);
/** Next member row: CUSTSEG_OK, or CUSTSEG_ITEROVER at the end. */
CUSTSEG_API int custseg_member_iter_next(size_t *out,
                                         custseg_member_iter *it);
/** Free a member iterator; NULL is allowed. @since 1.0 */
CUSTSEG_API void custseg_member_iter_free(custseg_member_iter *it);

/* Per-customer rows: 0 .. customer_count-1, in byte order of customer id. */

/** @return the number of customers in r. @since 1.0 */
CUSTSEG_API size_t custseg_result_customer_count(const custseg_result *r);
/** @return the id of customer row i (owned by r), or NULL. @since 1.0 */
CUSTSEG_API const char *custseg_result_customer_id(const custseg_result *r,
                                                   size_t row);
/**
 * Find a customer by id. @return CUSTSEG_OK (row in *out) or
 * CUSTSEG_ENOTFOUND. @since 1.0
 */
CUSTSEG_API int custseg_result_find(size_t *out, const custseg_result *r,
                                    const char *customer);
/** @return the segment index of customer row i. @since 1.0 */
CUSTSEG_API size_t custseg_result_customer_segment(const custseg_result *r,
                                                   size_t row);

/** Per-customer fields, for custseg_result_customer_field(). */
enum {
    CUSTSEG_FIELD_RECENCY = 0,   /**< days from last transaction to as_of */
    CUSTSEG_FIELD_FREQUENCY = 1, /**< distinct orders */
    CUSTSEG_FIELD_MONETARY = 2,  /**< net amount, ten-thousandths */
    CUSTSEG_FIELD_R = 3,         /**< recency score */
    CUSTSEG_FIELD_F = 4,         /**< frequency score */
    CUSTSEG_FIELD_M = 5,         /**< monetary score */
    CUSTSEG_FIELD_DECILE = 6,    /**< decile 1 (top) .. 10 */
    CUSTSEG_FIELD_VALUE = 7,     /**< ranked value (money in 1e-4 units) */
    CUSTSEG_FIELD_COUNT_OF = 8
};

/**
 * Read one integer field of customer row i.
 * @return CUSTSEG_OK, CUSTSEG_ENOTFOUND (row out of range, or the field is
 *         not part of this result). @since 1.0
 */
CUSTSEG_API int custseg_result_customer_field(int64_t *out,
                                              const custseg_result *r,
                                              size_t row, int field);
/** @return the strategy score of customer row i (NaN for a bad row). */
CUSTSEG_API double custseg_result_customer_score(const custseg_result *r,
                                                 size_t row);

/**
 * Thresholds used for one score (rfm): variable is CUSTSEG_FIELD_RECENCY,
 * _FREQUENCY or _MONETARY, score 1..bins. In quantile mode, *out_lower and
 * *out_upper are R rfm's bin edges (value v gets the score when
 * lower <= v < upper; money in currency units). In ntile mode they are the
 * smallest and largest value given that score (NaN when none).
 * @return CUSTSEG_OK or CUSTSEG_ENOTFOUND. @since 1.0
 */
CUSTSEG_API int custseg_result_threshold(double *out_lower, double *out_upper,
                                         const custseg_result *r,
                                         int variable, int score);
/** @return the number of score bins in r (0 when it has none). */
CUSTSEG_API int custseg_result_bins(const custseg_result *r);

/* ------------------------------------------------------------------------
 * Export
 * ------------------------------------------------------------------------ */

enum {
    CUSTSEG_FORMAT_CSV = 0,   /**< one row per customer, id byte order */
    CUSTSEG_FORMAT_JSON = 1,  /**< segments, thresholds and customers */
    CUSTSEG_FORMAT_TABLE = 2, /**< readable segment statistics table */
    CUSTSEG_FORMAT_SEGMENTS_CSV = 3 /**< one row per segment */
};

/**
 * Write r in a format through fn. Money is printed with decimals places
 * (0..4, rounded half away from zero), never with an exponent; output does
 * not depend on the locale. Schemas: custseg(1).
 * @return CUSTSEG_OK, CUSTSEG_EINVAL, CUSTSEG_ECALLBACK, CUSTSEG_ENOMEM.
 * @since 1.0
 */
CUSTSEG_API int custseg_result_write(const custseg_result *r, int format,
                                     int decimals, custseg_write_fn fn,
                                     void *payload);
/** As custseg_result_write() into the file at path (truncated or created
 * in place). @return also CUSTSEG_EIO. @since 1.0 */
CUSTSEG_API int custseg_result_write_file(const custseg_result *r,
                                          int format, int decimals,
                                          const char *path);

/* ------------------------------------------------------------------------
 * Custom strategies: segmentation written by the caller (custseg(7)).
 *
 * A table of callbacks is registered under a name; custseg_strategy_new()
 * then creates strategies of that name as it does built-in ones, with the
 * options "as_of" and "threads". custseg_run() computes the customers'
 * metrics and calls assign once, on the calling thread, with a context
 * that reads the result rows (customers with a transaction up to as_of,
 * in byte order of id: metrics and attributes) and takes a segment and a
 * score for each row. The library then computes statistics, iterators
 * and exports as for built-in strategies; the result has the RECENCY,
 * FREQUENCY and MONETARY fields.
 *
 * The registry is guarded by a mutex: strategies may be registered and
 * unregistered at any time, from any thread. Callbacks run without it
 * held; concurrent runs of one name call assign concurrently.
 * ------------------------------------------------------------------------ */

#define CUSTSEG_STRATEGY_OPS_VERSION 1

/** Context of one assign call; valid only during that call. */
typedef struct custseg_assign custseg_assign;

/**
 * A custom strategy, passed by pointer to custseg_register_strategy(),
 * which copies it. New fields are only ever added at the end, with a new
 * version number.
 */
typedef struct custseg_strategy_ops {
    unsigned version; /**< CUSTSEG_STRATEGY_OPS_VERSION */
    /** 1..31 bytes of [A-Za-z0-9_.-], not a built-in name; copied. */
    const char *name;
    /**
     * Give every row a segment and score (custseg_assign_set()). Return 0
     * on success; non-zero (or a call to custseg_assign_error()) makes
     * custseg_run() fail with CUSTSEG_ECALLBACK.
     */
    int (*assign)(custseg_assign *ctx, void *payload);
    /** Called once when payload is no longer needed; may be NULL. */
    void (*destroy)(void *payload);
    void *payload; /**< passed to assign and destroy */
} custseg_strategy_ops;

/**
 * Register a custom strategy under ops->name. On failure nothing is kept
 * and destroy is not called.
 * @return CUSTSEG_OK, CUSTSEG_EINVAL (NULL ops, name or assign, bad name,
 *         version 0 or newer than this library), CUSTSEG_EMISUSE (the
 *         name is built in or already registered), CUSTSEG_ENOMEM.
 * @since 1.0
 */
CUSTSEG_API int custseg_register_strategy(const custseg_strategy_ops *ops);
/**
 * Remove a registered name. Strategies already created from it keep
 * working; destroy(payload) runs when the last of them is freed (at once
 * when there is none).
 * @return CUSTSEG_OK, CUSTSEG_EINVAL (NULL), CUSTSEG_ENOTFOUND. @since 1.0
 */
CUSTSEG_API int custseg_unregister_strategy(const char *name);

/** @return the number of rows to assign (> 0). @since 1.0 */
CUSTSEG_API size_t custseg_assign_customer_count(const custseg_assign *ctx);
/** @return the id of row (owned by the run), or NULL. @since 1.0 */
CUSTSEG_API const char *custseg_assign_customer_id(const custseg_assign *ctx,
                                                   size_t row);
/**
 * Read a metric of row: field is CUSTSEG_FIELD_RECENCY, _FREQUENCY or
 * _MONETARY (ten-thousandths), as in custseg_result_customer_field().
 * @return CUSTSEG_OK, CUSTSEG_EINVAL (NULL), CUSTSEG_ENOTFOUND (row or
 *         field). @since 1.0
 */
CUSTSEG_API int custseg_assign_metric(int64_t *out, const custseg_assign *ctx,
                                      size_t row, int field);
/**
 * Copy a metric of rows first .. first+n-1 into out[0..n), one call for
 * many rows (for bindings). @return as custseg_assign_metric(). @since 1.0
 */
CUSTSEG_API int custseg_assign_metric_range(int64_t *out,
                                            const custseg_assign *ctx,
                                            int field, size_t first,
                                            size_t n);
/**
 * Read the number attribute called name of row (attributes: see
 * custseg_dataset_set_attribute_number()); *out is NaN when the customer
 * has no value.
 * @return CUSTSEG_OK, CUSTSEG_EINVAL (NULL, or a string attribute),
 *         CUSTSEG_ENOTFOUND (row, or no attribute name). @since 1.0
 */
CUSTSEG_API int custseg_assign_attribute_number(double *out,
                                                const custseg_assign *ctx,
                                                size_t row,
                                                const char *name);
/**
 * Read the string attribute name of row; *out is the value (owned by the
 * dataset, valid during the call) or NULL when the customer has none.
 * @return as custseg_assign_attribute_number(). @since 1.0
 */
CUSTSEG_API int custseg_assign_attribute_string(const char **out,
                                                const custseg_assign *ctx,
                                                size_t row,
                                                const char *name);
/**
 * Define a segment (non-empty name, copied) and get its index. Segments
 * are numbered 0, 1, ... in order of definition, the order of the result;
 * defining a name again gives its index. Only defined segments appear.
 * @return CUSTSEG_OK, CUSTSEG_EINVAL, CUSTSEG_ELIMIT, CUSTSEG_ENOMEM.
 * @since 1.0
 */
CUSTSEG_API int custseg_assign_define_segment(size_t *out,
                                              custseg_assign *ctx,
                                              const char *name);
/**
 * Put row in a defined segment with a score for the statistics. A NaN
 * score means the default, monetary in currency units. Setting a row
 * again replaces its values; every row must be set before assign returns.
 * @return CUSTSEG_OK, CUSTSEG_EINVAL (NULL, undefined segment, infinite
 *         score), CUSTSEG_ENOTFOUND (row). @since 1.0
 */
CUSTSEG_API int custseg_assign_set(custseg_assign *ctx, size_t row,
                                   size_t segment, double score);
/**
 * As custseg_assign_set() for rows first .. first+n-1: segments[i] and
 * scores[i] (scores may be NULL: all default). All rows or none are set.
 * @return as custseg_assign_set(). @since 1.0
 */
CUSTSEG_API int custseg_assign_set_range(custseg_assign *ctx, size_t first,
                                         size_t n, const uint32_t *segments,
                                         const double *scores);
/**
 * Make the run fail with CUSTSEG_ECALLBACK; custseg_strategy_errmsg()
 * then gives message (copied, at most 511 bytes; may be NULL).
 * @return CUSTSEG_ECALLBACK (for `return custseg_assign_error(...)`), or
 *         CUSTSEG_EINVAL when ctx is NULL. @since 1.0
 */
CUSTSEG_API int custseg_assign_error(custseg_assign *ctx,
                                     const char *message);

/* ------------------------------------------------------------------------
 * Customer attributes and events (custseg_dataset_set_attribute_number(3))
 *
 * Attributes are what is known about a customer, one value per name: a
 * number or a string (country, industry, company size, channel). Events
 * are things a customer did, with a name ("cart_add", "visit"), a time
 * and an optional value. Both are set before the dataset is frozen, and
 * the "prior" strategy's rules read them. Naming a customer the dataset
 * does not have yet adds it: a prospect with no transactions, which
 * "prior" segments too. A dataset of customer summaries takes attributes
 * and events only for customers it already has. An empty string and a
 * NaN number mean "no value".
 * ------------------------------------------------------------------------ */

/** Attribute types, for custseg_dataset_attribute_type(). */
enum {
    CUSTSEG_ATTR_NUMBER = 1,
    CUSTSEG_ATTR_STRING = 2
};

/**
 * Set attribute name of one customer to a number (finite; NaN removes
 * the value). An attribute is created by its first value and holds
 * numbers or strings, never both.
 * @return CUSTSEG_OK, CUSTSEG_EINVAL (empty id or name, infinite value,
 *         the attribute holds strings, customer not in a summary
 *         dataset), CUSTSEG_ENOMEM, CUSTSEG_ELIMIT, CUSTSEG_EMISUSE
 *         (frozen). @since 1.0
 */
CUSTSEG_API int custseg_dataset_set_attribute_number(custseg_dataset *ds,
                                                     const char *customer,
                                                     const char *name,
                                                     double value);
/**
 * As custseg_dataset_set_attribute_number() with a string (copied); NULL
 * or "" removes the value. @since 1.0
 */
CUSTSEG_API int custseg_dataset_set_attribute_string(custseg_dataset *ds,
                                                     const char *customer,
                                                     const char *name,
                                                     const char *value);
/**
 * Set attribute name of n customers in one call. Customer ids are
 * customer_bytes[customer_offsets[i] .. customer_offsets[i+1]) (n + 1
 * offsets), as in custseg_dataset_add_columns(); values[i] as for
 * custseg_dataset_set_attribute_number(). All rows are set or none.
 * @return as custseg_dataset_set_attribute_number(). @since 1.0
 */
CUSTSEG_API int custseg_dataset_set_attributes_number(
    custseg_dataset *ds, const char *name, size_t n,
    const char *customer_bytes, const int64_t *customer_offsets,
    const double *values);
/**
 * As custseg_dataset_set_attributes_number() with string values
 * value_bytes[value_offsets[i] .. value_offsets[i+1]) (empty: no value).
 * @since 1.0
 */
CUSTSEG_API int custseg_dataset_set_attributes_string(
    custseg_dataset *ds, const char *name, size_t n,
    const char *customer_bytes, const int64_t *customer_offsets,
    const char *value_bytes, const int64_t *value_offsets);

/**
 * Add one event: customer, a non-empty name, a time in Unix seconds (UTC)
 * and a value (NaN: none).
 * @return CUSTSEG_OK, CUSTSEG_EINVAL, CUSTSEG_ENOMEM, CUSTSEG_ELIMIT,
 *         CUSTSEG_EMISUSE (frozen). @since 1.0
 */
CUSTSEG_API int custseg_dataset_add_event(custseg_dataset *ds,
                                          const char *customer,
                                          const char *name, int64_t time,
                                          double value);
/**
 * Add n events in one call, column by column: ids and names as byte
 * strings with n + 1 offsets each, times[i], and values[i] (values may
 * be NULL: no values). All rows are added or none.
 * @return as custseg_dataset_add_event(). @since 1.0
 */
CUSTSEG_API int custseg_dataset_add_events(custseg_dataset *ds, size_t n,
                                           const char *customer_bytes,
                                           const int64_t *customer_offsets,
                                           const char *name_bytes,
                                           const int64_t *name_offsets,
                                           const int64_t *times,
                                           const double *values);

/**
 * Load customer attributes from a CSV file with one row per customer.
 * map is "id=COL,NAME=COL,...": id (or customer) names the id column,
 * every other key an attribute read from column COL (a header name, or a
 * 1-based position when "header" is 0). A column whose non-empty values
 * all parse as numbers gives a number attribute, any other a string one;
 * empty fields are no value; a later row for a customer replaces the
 * values of an earlier one. The load report counts rows as for
 * transactions. All or nothing.
 * @return CUSTSEG_OK, CUSTSEG_EINVAL (bad map, type clash with an
 *         existing attribute), CUSTSEG_EIO, CUSTSEG_EPARSE, CUSTSEG_ENOMEM,
 *         CUSTSEG_ELIMIT, CUSTSEG_EMISUSE. @since 1.0
 */
CUSTSEG_API int custseg_dataset_load_customers_csv(custseg_dataset *ds,
                                                   const char *path,
                                                   const char *map);
/** As custseg_dataset_load_customers_csv() from memory. @since 1.0 */
CUSTSEG_API int custseg_dataset_load_customers_csv_buffer(
    custseg_dataset *ds, const char *data, size_t len, const char *name,
    const char *map);
/**
 * Load events from a CSV file, one row per event. map is
 * "customer=COL,name=COL,time=COL[,value=COL]". Rows with an empty
 * customer, an empty name (CUSTSEG_REJECT_MISSING_VALUE), a bad time or a
 * bad value are rejected and counted in the load report. All or nothing.
 * @return as custseg_dataset_load_customers_csv(). @since 1.0
 */
CUSTSEG_API int custseg_dataset_load_events_csv(custseg_dataset *ds,
                                                const char *path,
                                                const char *map);
/** As custseg_dataset_load_events_csv() from memory. @since 1.0 */
CUSTSEG_API int custseg_dataset_load_events_csv_buffer(custseg_dataset *ds,
                                                       const char *data,
                                                       size_t len,
                                                       const char *name,
                                                       const char *map);

/** @return the number of attributes of ds. @since 1.0 */
CUSTSEG_API size_t custseg_dataset_attribute_count(const custseg_dataset *ds);
/** @return the name of attribute i (owned by ds), or NULL. @since 1.0 */
CUSTSEG_API const char *custseg_dataset_attribute_name(
    const custseg_dataset *ds, size_t i);
/** @return the CUSTSEG_ATTR_* type of attribute i, or 0. @since 1.0 */
CUSTSEG_API int custseg_dataset_attribute_type(const custseg_dataset *ds,
                                               size_t i);
/** @return the number of events of ds. @since 1.0 */
CUSTSEG_API size_t custseg_dataset_event_count(const custseg_dataset *ds);

/* ------------------------------------------------------------------------
 * Rules: the "prior" strategy (custseg_strategy_add_rule(3), the language
 * in custseg-rules(7)). Segments are an ordered list of (name, rule); the
 * first rule a customer matches gives its segment, and customers matching
 * none go to the segment named by option "default_segment". Rules are
 * checked for syntax when added and compiled against the dataset (names,
 * types) when the strategy runs; errors carry a line and a column.
 * ------------------------------------------------------------------------ */

/**
 * prior: append a rule. segment is its segment's name (rules with one
 * name share a segment); expression is in the language of
 * custseg-rules(7).
 * @return CUSTSEG_OK, CUSTSEG_EPARSE (syntax; position in
 *         custseg_strategy_error_line() and _column()), CUSTSEG_EINVAL
 *         (empty name), CUSTSEG_ENOMEM, CUSTSEG_ELIMIT, CUSTSEG_EMISUSE
 *         (not prior). @since 1.0
 */
CUSTSEG_API int custseg_strategy_add_rule(custseg_strategy *s,
                                          const char *segment,
                                          const char *expression);
/**
 * prior: append the rules of a text file, one "segment: expression" per
 * line; blank lines and lines starting with # are skipped. Errors name
 * the file, line and column. All rules are added or none.
 * @return as custseg_strategy_add_rule(); CUSTSEG_EIO. @since 1.0
 */
CUSTSEG_API int custseg_strategy_load_rules(custseg_strategy *s,
                                            const char *path);
/** As custseg_strategy_load_rules() from memory. @since 1.0 */
CUSTSEG_API int custseg_strategy_load_rules_buffer(custseg_strategy *s,
                                                   const char *data,
                                                   size_t len,
                                                   const char *name);
/**
 * prior: give the RFM scores and segments of rfm (a result of the "rfm"
 * strategy, copied; rfm may be freed afterwards) to rules, as r_score,
 * f_score, m_score and rfm_segment. NULL removes them.
 * @return CUSTSEG_OK, CUSTSEG_EINVAL (rfm has no scores), CUSTSEG_ENOMEM,
 *         CUSTSEG_EMISUSE (not prior). @since 1.0
 */
CUSTSEG_API int custseg_strategy_set_rfm(custseg_strategy *s,
                                         const custseg_result *rfm);
/** @return the line (1-based) of the last error on s, or -1. @since 1.0 */
CUSTSEG_API int64_t custseg_strategy_error_line(const custseg_strategy *s);
/**
 * @return the column (1-based, in bytes) of the last error on s, or -1.
 * @since 1.0
 */
CUSTSEG_API int64_t custseg_strategy_error_column(
    const custseg_strategy *s);

/* ------------------------------------------------------------------------
 * Small utilities shared with callers
 * ------------------------------------------------------------------------ */

/**
 * Parse a timestamp as the loader does (ISO 8601 date or date-time with
 * optional offset, YYYYMMDD, M/D/YYYY H:MM, Unix seconds) into Unix seconds.
 * @return CUSTSEG_OK or CUSTSEG_EINVAL. @since 1.0
 */
CUSTSEG_API int custseg_parse_time(int64_t *out, const char *text);
/**
 * Parse a decimal number ("12.3456", "-7", "1e3") into ten-thousandths,
 * rounding half to even. @return CUSTSEG_OK, CUSTSEG_EINVAL, CUSTSEG_ERANGE.
 * @since 1.0
 */
CUSTSEG_API int custseg_parse_amount(int64_t *out, const char *text);

#ifdef __cplusplus
}
#endif

#endif /* CUSTSEG_H */
