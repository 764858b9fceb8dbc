/*
 * feedvault.search._ctokens: fold + index tokens of one version in one pass over its text.
 *
 * The C twin of feedvault/search/tokens.py `index_fields` (the reference, and the fallback
 * when this module was not built). Per article it replaces ~1,100 regex matches, a str per
 * token, a set of characters and two folds with one loop, ~15x less CPU. Output is identical
 * to the Python version (tests/search/test_ctokens.py checks the corpus and random text):
 *
 *   fold:   each code point through the fold table that `load` receives from fold.py (a
 *           closed table, so one lookup per character equals fold());
 *   tokens: at a CJK character, it and its CJK successor (a bigram) or it alone (a run's last
 *           character); a maximal run of word characters (str.isalnum, not "_", not CJK) as
 *           one token; everything else separates. Tokens are joined by one space;
 *   chars:  the distinct CJK characters of folded title and text, in first-seen order.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#include "ucs4buf.h"

#define BMP 0x10000
#define IDENTITY (-1)
#define LOOKUP (-2) /* maps to several (or no) characters, or lies outside the BMP */
#define CHAR_BITS 0x31350 /* bitmap of seen CJK characters, up to U+3134F */

static int32_t bmp_map[BMP];
static PyObject *table = NULL; /* dict int -> str: the whole fold table */
static uint8_t seen[CHAR_BITS / 8 + 1];

static inline int
is_cjk(Py_UCS4 c)
{
    if (c < 0x3005) return 0;
    if (c <= 0x3007) return 1;
    if (c >= 0x3040 && c <= 0x30ff) return 1;
    if (c >= 0x3105 && c <= 0x312f) return 1;
    if (c >= 0x3131 && c <= 0x318e) return 1;
    if (c >= 0x31a0 && c <= 0x31ff) return 1;
    if (c >= 0x3400 && c <= 0x4dbf) return 1;
    if (c >= 0x4e00 && c <= 0x9fff) return 1;
    if (c >= 0xa960 && c <= 0xa97f) return 1;
    if (c >= 0xac00 && c <= 0xd7af) return 1;
    if (c >= 0xf900 && c <= 0xfaff) return 1;
    if (c >= 0x20000 && c <= 0x3134f) return 1;
    return 0;
}

/* re's \w minus "_" minus CJK: what tokens.py calls a word character. */
static inline int
is_word(Py_UCS4 c)
{
    if (c < 128) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }
    return Py_UNICODE_ISALNUM(c) && !is_cjk(c);
}

/* Append fold(text) to b. */
static int
fold_into(PyObject *text, Buf *b)
{
    int kind = PyUnicode_KIND(text);
    const void *src = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    if (buf_reserve(b, n) < 0) return -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, src, i);
        int32_t m = c < BMP ? bmp_map[c] : LOOKUP;
        if (m == IDENTITY) {
            b->d[b->len++] = c;
            continue;
        }
        if (m >= 0) {
            b->d[b->len++] = (Py_UCS4)m;
            continue;
        }
        PyObject *key = PyLong_FromUnsignedLong(c);
        if (key == NULL) return -1;
        PyObject *to = PyDict_GetItemWithError(table, key); /* borrowed */
        Py_DECREF(key);
        if (to == NULL) {
            if (PyErr_Occurred()) return -1;
            b->d[b->len++] = c;
            continue;
        }
        Py_ssize_t k = PyUnicode_GET_LENGTH(to);
        if (buf_reserve(b, k + (n - i)) < 0) return -1;
        for (Py_ssize_t j = 0; j < k; j++) {
            b->d[b->len++] = PyUnicode_READ_CHAR(to, j);
        }
    }
    return 0;
}

/* The space-separated index tokens of folded text f[0:n). */
static PyObject *
tokens_of(const Py_UCS4 *f, Py_ssize_t n, Buf *out)
{
    out->len = 0;
    if (buf_reserve(out, 3 * n + 1) < 0) return NULL;
    Py_UCS4 *o = out->d;
    Py_ssize_t w = 0;
    Py_ssize_t i = 0;
    while (i < n) {
        Py_UCS4 c = f[i];
        if (is_cjk(c)) {
            if (w) o[w++] = ' ';
            o[w++] = c;
            if (i + 1 < n && is_cjk(f[i + 1])) o[w++] = f[i + 1];
            i++;
        } else if (is_word(c)) {
            if (w) o[w++] = ' ';
            while (i < n && is_word(f[i])) o[w++] = f[i++];
        } else {
            i++;
        }
    }
    return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, o, w);
}

/* Distinct CJK characters of both folded texts, space-separated, first seen first. */
static PyObject *
chars_of(const Buf *head, const Buf *body, Buf *out)
{
    out->len = 0;
    if (buf_reserve(out, 2 * (head->len + body->len) + 1) < 0) return NULL;
    const Buf *parts[2] = {head, body};
    for (int p = 0; p < 2; p++) {
        for (Py_ssize_t i = 0; i < parts[p]->len; i++) {
            Py_UCS4 c = parts[p]->d[i];
            if (!is_cjk(c)) continue;
            uint8_t bit = (uint8_t)(1u << (c & 7));
            if (seen[c >> 3] & bit) continue;
            seen[c >> 3] |= bit;
            if (out->len) out->d[out->len++] = ' ';
            out->d[out->len++] = c;
        }
    }
    for (Py_ssize_t i = 0; i < out->len; i += 2) { /* clear only what was set */
        Py_UCS4 c = out->d[i];
        seen[c >> 3] = 0;
    }
    return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out->d, out->len);
}

PyDoc_STRVAR(load_doc,
             "load(table: dict[int, str]) -> None\n\n"
             "Install the fold table (feedvault.search.fold.fold_table()).");

static PyObject *
load(PyObject *self, PyObject *arg)
{
    if (!PyDict_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "load() takes the fold table, a dict");
        return NULL;
    }
    for (Py_ssize_t c = 0; c < BMP; c++) bmp_map[c] = IDENTITY;
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    while (PyDict_Next(arg, &pos, &key, &value)) {
        long c = PyLong_AsLong(key);
        if (c == -1 && PyErr_Occurred()) return NULL;
        if (!PyUnicode_Check(value)) {
            PyErr_SetString(PyExc_TypeError, "fold table values must be str");
            return NULL;
        }
        if (c < 0 || c >= BMP) continue; /* looked up in the dict */
        bmp_map[c] = PyUnicode_GET_LENGTH(value) == 1 ? (int32_t)PyUnicode_READ_CHAR(value, 0)
                                                      : LOOKUP;
    }
    Py_INCREF(arg);
    Py_XSETREF(table, arg);
    Py_RETURN_NONE;
}

PyDoc_STRVAR(index_fields_doc,
             "index_fields(title: str, text: str) -> tuple[str, str, str]\n\n"
             "Folded title tokens, folded text tokens, distinct CJK characters.");

static PyObject *
index_fields(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyUnicode_Check(args[0]) || !PyUnicode_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "index_fields() takes two str");
        return NULL;
    }
    if (table == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "index_fields() before load()");
        return NULL;
    }
    Buf head = {0}, body = {0}, out = {0};
    PyObject *t = NULL, *b = NULL, *c = NULL, *result = NULL;
    if (fold_into(args[0], &head) < 0 || fold_into(args[1], &body) < 0) goto done;
    if ((t = tokens_of(head.d, head.len, &out)) == NULL) goto done;
    if ((b = tokens_of(body.d, body.len, &out)) == NULL) goto done;
    if ((c = chars_of(&head, &body, &out)) == NULL) goto done;
    result = PyTuple_Pack(3, t, b, c);
done:
    Py_XDECREF(t);
    Py_XDECREF(b);
    Py_XDECREF(c);
    PyMem_Free(head.d);
    PyMem_Free(body.d);
    PyMem_Free(out.d);
    return result;
}

static PyMethodDef methods[] = {
    {"load", load, METH_O, load_doc},
    {"index_fields", (PyCFunction)(void (*)(void))index_fields, METH_FASTCALL, index_fields_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "feedvault.search._ctokens",
    "Fold and tokenise text for the search index in C (see tokens.py).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__ctokens(void)
{
    return PyModule_Create(&module);
}
