/*
 * feedvault.clean._ctext: the plain text of a cleaned body, read from its serialised HTML.
 *
 * The C twin of feedvault/clean/text.py `tree_text` (the reference, used when this module is
 * missing or declines). The cleaner serialises the body for nh3 anyway; scanning that string
 * once in C costs ~10x less than walking the lxml tree in Python, and every stored version
 * needs its text. The input is lxml's HTML serialisation, so it is well nested, text holds
 * only &amp; &lt; &gt; escapes and the void elements are the HTML 4 ones below. Anything
 * else (a comment, an unknown entity, a stray '<') makes html_text return None and the
 * caller walks the tree instead. tests/clean/test_ctext.py checks equality with tree_text.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#include "ucs4buf.h"

#define K_BLOCK 1
#define K_CELL 2
#define K_SKIP 4
#define K_VOID 8
#define K_BR 16
#define K_PRE 32
#define BREAK 0 /* stands for <br> inside a block, as in text.py */

typedef struct {
    const char *name;
    int kind;
} Tag;

/* text.py BLOCKS, _CELLS, _SKIP (sanitize.DROPPED_WITH_CONTENT + video, audio, rp), and the
 * elements libxml2 serialises without an end tag. */
static const Tag TAGS[] = {
    {"p", K_BLOCK}, {"div", K_BLOCK}, {"br", K_BR | K_VOID}, {"a", 0}, {"img", K_VOID},
    {"span", 0}, {"li", K_BLOCK}, {"td", K_CELL}, {"th", K_CELL}, {"tr", K_BLOCK},
    {"h1", K_BLOCK}, {"h2", K_BLOCK}, {"h3", K_BLOCK}, {"h4", K_BLOCK}, {"h5", K_BLOCK},
    {"h6", K_BLOCK}, {"ul", K_BLOCK}, {"ol", K_BLOCK}, {"blockquote", K_BLOCK},
    {"figure", K_BLOCK}, {"figcaption", K_BLOCK}, {"pre", K_BLOCK | K_PRE}, {"hr", K_BLOCK | K_VOID},
    {"body", K_BLOCK}, {"address", K_BLOCK}, {"article", K_BLOCK}, {"aside", K_BLOCK},
    {"caption", K_BLOCK}, {"center", K_BLOCK}, {"dd", K_BLOCK}, {"details", K_BLOCK},
    {"dl", K_BLOCK}, {"dt", K_BLOCK}, {"fieldset", K_BLOCK}, {"footer", K_BLOCK},
    {"header", K_BLOCK}, {"main", K_BLOCK}, {"nav", K_BLOCK}, {"section", K_BLOCK},
    {"summary", K_BLOCK}, {"table", K_BLOCK}, {"tbody", K_BLOCK}, {"thead", K_BLOCK},
    {"tfoot", K_BLOCK}, {"video", K_BLOCK | K_SKIP}, {"audio", K_BLOCK | K_SKIP},
    {"rp", K_SKIP}, {"script", K_SKIP}, {"style", K_SKIP}, {"template", K_SKIP},
    {"noscript", K_SKIP}, {"iframe", K_SKIP}, {"object", K_SKIP}, {"embed", K_SKIP},
    {"applet", K_SKIP}, {"frame", K_SKIP | K_VOID}, {"frameset", K_SKIP},
    {"noframes", K_SKIP}, {"noembed", K_SKIP}, {"xmp", K_SKIP}, {"title", K_SKIP},
    {"textarea", K_SKIP}, {"select", K_SKIP}, {"button", K_SKIP}, {"svg", K_SKIP},
    {"math", K_SKIP}, {"head", K_SKIP}, {"form", K_SKIP}, {"canvas", K_SKIP}, {"map", K_SKIP},
    {"area", K_VOID}, {"base", K_VOID}, {"basefont", K_VOID}, {"col", K_VOID},
    {"input", K_VOID}, {"isindex", K_VOID}, {"link", K_VOID}, {"meta", K_VOID},
    {"param", K_VOID},
};

typedef struct {
    int kind;
    Py_ssize_t data_len;
    const void *data;
    Py_ssize_t n;
} Src;

static inline Py_UCS4
at(const Src *s, Py_ssize_t i)
{
    return PyUnicode_READ(s->kind, s->data, i);
}

static int
kind_of(const Src *s, Py_ssize_t start, Py_ssize_t end)
{
    char name[16];
    Py_ssize_t len = end - start;
    if (len <= 0 || len >= (Py_ssize_t)sizeof(name)) return 0;
    for (Py_ssize_t i = 0; i < len; i++) {
        Py_UCS4 c = at(s, start + i);
        if (c > 127) return 0;
        name[i] = (char)c;
    }
    name[len] = 0;
    for (size_t i = 0; i < sizeof(TAGS) / sizeof(TAGS[0]); i++) {
        if (strcmp(TAGS[i].name, name) == 0) return TAGS[i].kind;
    }
    return 0;
}

/* One tag at s[i] == '<': its name's span, whether it closes, and the index after '>'.
 * Returns -1 when this is not a tag this scanner understands. */
static Py_ssize_t
read_tag(const Src *s, Py_ssize_t i, int *closing, Py_ssize_t *name_start, Py_ssize_t *name_end)
{
    Py_ssize_t j = i + 1;
    *closing = 0;
    if (j < s->n && at(s, j) == '/') {
        *closing = 1;
        j++;
    }
    if (j >= s->n) return -1;
    Py_UCS4 first = at(s, j);
    if (!((first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z'))) return -1;
    *name_start = j;
    while (j < s->n) {
        Py_UCS4 c = at(s, j);
        if (c == '>' || c == '/' || Py_UNICODE_ISSPACE(c)) break;
        /* lxml keeps odd names from broken markup (<divclass="x">): leave those to Python */
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == ':' || c == '.')) {
            return -1;
        }
        j++;
    }
    *name_end = j;
    while (j < s->n) { /* attributes: name="value" or name='value' */
        Py_UCS4 c = at(s, j);
        if (c == '>') return j + 1;
        if (c == '"' || c == '\'') return -1; /* a quote not after '=' */
        if (c == '=' && j + 1 < s->n && (at(s, j + 1) == '"' || at(s, j + 1) == '\'')) {
            Py_UCS4 quote = at(s, j + 1);
            j += 2;
            while (j < s->n && at(s, j) != quote) j++;
            if (j >= s->n) return -1;
        }
        j++;
    }
    return -1;
}

static int
same_name(const Src *s, Py_ssize_t a, Py_ssize_t a_end, Py_ssize_t b, Py_ssize_t b_end)
{
    if (a_end - a != b_end - b) return 0;
    for (Py_ssize_t k = 0; k < a_end - a; k++) {
        if (at(s, a + k) != at(s, b + k)) return 0;
    }
    return 1;
}

/* Text at s[i] up to the next '<', entities decoded, appended to b (or dropped when b is
 * NULL). Returns the index of the '<' (or n), or -1 for an entity it does not know. */
static Py_ssize_t
read_text(const Src *s, Py_ssize_t i, Buf *b)
{
    while (i < s->n) {
        Py_UCS4 c = at(s, i);
        if (c == '<') return i;
        if (c == '&') {
            Py_ssize_t j = i + 1;
            while (j < s->n && j - i < 12 && at(s, j) != ';') j++;
            if (j >= s->n || at(s, j) != ';') return -1;
            Py_ssize_t len = j - i - 1;
            Py_UCS4 v = 0;
            if (len >= 2 && at(s, i + 1) == '#') {
                int hex = at(s, i + 2) == 'x' || at(s, i + 2) == 'X';
                for (Py_ssize_t k = i + (hex ? 3 : 2); k < j; k++) {
                    Py_UCS4 d = at(s, k);
                    int digit = (d >= '0' && d <= '9')   ? (int)(d - '0')
                                : hex && d >= 'a' && d <= 'f' ? (int)(d - 'a' + 10)
                                : hex && d >= 'A' && d <= 'F' ? (int)(d - 'A' + 10)
                                                              : -1;
                    if (digit < 0 || v > 0x10FFFF) return -1;
                    v = v * (hex ? 16 : 10) + (Py_UCS4)digit;
                }
                if (v == 0 || v > 0x10FFFF) return -1;
            } else {
                char name[8] = {0};
                if (len <= 0 || len >= (Py_ssize_t)sizeof(name)) return -1;
                for (Py_ssize_t k = 0; k < len; k++) {
                    Py_UCS4 d = at(s, i + 1 + k);
                    if (d > 127) return -1;
                    name[k] = (char)d;
                }
                if (strcmp(name, "amp") == 0) v = '&';
                else if (strcmp(name, "lt") == 0) v = '<';
                else if (strcmp(name, "gt") == 0) v = '>';
                else if (strcmp(name, "quot") == 0) v = '"';
                else if (strcmp(name, "apos") == 0) v = '\'';
                else if (strcmp(name, "nbsp") == 0) v = 0xA0;
                else return -1;
            }
            if (b != NULL && buf_push(b, v) < 0) return -2;
            i = j + 1;
            continue;
        }
        if (c == BREAK) return -1; /* text.py's break marker must not occur in text */
        if (b != NULL && buf_push(b, c) < 0) return -2;
        i++;
    }
    return i;
}

/* " ".join(part.split()) of p[0:n), appended to out. */
static int
collapse(const Py_UCS4 *p, Py_ssize_t n, Buf *out)
{
    if (buf_reserve(out, n) < 0) return -1;
    int pending = 0;
    Py_ssize_t before = out->len;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = p[i];
        if (Py_UNICODE_ISSPACE(c)) {
            pending = 1;
            continue;
        }
        if (pending && out->len > before) out->d[out->len++] = ' ';
        pending = 0;
        out->d[out->len++] = c;
    }
    return 0;
}

/* text.py _block: normalise one block's joined parts, then add it to out unless blank. */
static int
flush(Buf *parts, int has_break, Buf *out, Buf *tmp)
{
    tmp->len = 0;
    if (!has_break) {
        if (collapse(parts->d, parts->len, tmp) < 0) return -1;
    } else {
        Py_ssize_t start = 0;
        for (Py_ssize_t i = 0; i <= parts->len; i++) {
            if (i == parts->len || parts->d[i] == BREAK) {
                if (start > 0 && buf_push(tmp, '\n') < 0) return -1;
                if (collapse(parts->d + start, i - start, tmp) < 0) return -1;
                start = i + 1;
            }
        }
        /* strip(), then runs of 3+ newlines become 2 */
        Py_ssize_t a = 0, z = tmp->len;
        while (a < z && Py_UNICODE_ISSPACE(tmp->d[a])) a++;
        while (z > a && Py_UNICODE_ISSPACE(tmp->d[z - 1])) z--;
        Py_ssize_t w = 0, run = 0;
        for (Py_ssize_t i = a; i < z; i++) {
            Py_UCS4 c = tmp->d[i];
            run = c == '\n' ? run + 1 : 0;
            if (run <= 2) tmp->d[w++] = c;
        }
        tmp->len = w;
    }
    parts->len = 0;
    if (tmp->len == 0) return 0;
    if (buf_reserve(out, tmp->len + 2) < 0) return -1;
    if (out->len) {
        out->d[out->len++] = '\n';
        out->d[out->len++] = '\n';
    }
    memcpy(out->d + out->len, tmp->d, (size_t)tmp->len * sizeof(Py_UCS4));
    out->len += tmp->len;
    return 0;
}

/* A <pre>'s text as one block: everything inside, tags removed, newlines stripped at the ends. */
static int
add_pre(Buf *pre, Buf *out)
{
    Py_ssize_t a = 0, z = pre->len;
    while (a < z && pre->d[a] == '\n') a++;
    while (z > a && pre->d[z - 1] == '\n') z--;
    int blank = 1;
    for (Py_ssize_t i = a; i < z; i++) {
        if (!Py_UNICODE_ISSPACE(pre->d[i])) {
            blank = 0;
            break;
        }
    }
    if (blank) return 0;
    if (buf_reserve(out, z - a + 2) < 0) return -1;
    if (out->len) {
        out->d[out->len++] = '\n';
        out->d[out->len++] = '\n';
    }
    memcpy(out->d + out->len, pre->d + a, (size_t)(z - a) * sizeof(Py_UCS4));
    out->len += z - a;
    return 0;
}

/* Skip (or, with into, collect the text of) the inside of the element whose start tag ended
 * at i; returns the index after its end tag, -1 for markup it does not read, -2 when out of
 * memory (with MemoryError set). */
static Py_ssize_t
skip_element(const Src *s, Py_ssize_t i, Py_ssize_t ns, Py_ssize_t ne, Buf *into)
{
    int depth = 1;
    while (i < s->n) {
        Py_ssize_t t = read_text(s, i, into);
        if (t < 0) return t;
        if (t >= s->n) return -1;
        int closing;
        Py_ssize_t a, z;
        Py_ssize_t after = read_tag(s, t, &closing, &a, &z);
        if (after < 0) return -1;
        if (same_name(s, a, z, ns, ne)) depth += closing ? -1 : 1;
        if (depth == 0) return after;
        i = after;
    }
    return -1;
}

PyDoc_STRVAR(html_text_doc,
             "html_text(markup: str) -> str | None\n\n"
             "tree_text of the element lxml serialised as markup (HTML method), or None when\n"
             "the markup holds something this scanner does not handle.");

static PyObject *
html_text(PyObject *self, PyObject *arg)
{
    if (!PyUnicode_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "html_text() takes a str");
        return NULL;
    }
    Src s = {PyUnicode_KIND(arg), 0, PyUnicode_DATA(arg), PyUnicode_GET_LENGTH(arg)};
    Buf parts = {0}, out = {0}, tmp = {0}, pre = {0};
    PyObject *result = NULL;
    int has_break = 0, depth = 0, failed = 0;
    Py_ssize_t i = 0;
    while (i < s.n) {
        Py_ssize_t t = read_text(&s, i, depth > 0 ? &parts : NULL);
        if (t < 0) {
            failed = t == -2;
            goto decline;
        }
        if (t >= s.n) break;
        int closing;
        Py_ssize_t a, z;
        Py_ssize_t after = read_tag(&s, t, &closing, &a, &z);
        if (after < 0) goto decline;
        int kind = kind_of(&s, a, z);
        i = after;
        if (!closing) {
            if (kind & K_SKIP) {
                if (!(kind & K_VOID)) {
                    i = skip_element(&s, i, a, z, NULL);
                    if (i < 0) goto decline;
                }
            } else if (kind & K_BR) {
                if (buf_push(&parts, BREAK) < 0) goto error;
                has_break = 1;
                continue;
            } else if (kind & K_PRE) {
                if (parts.len && flush(&parts, has_break, &out, &tmp) < 0) goto error;
                has_break = 0;
                pre.len = 0;
                i = skip_element(&s, i, a, z, &pre);
                if (i < 0) {
                    failed = i == -2; /* out of memory, not something to decline */
                    goto decline;
                }
                if (add_pre(&pre, &out) < 0) goto error;
                continue;
            } else {
                if ((kind & K_BLOCK) && parts.len) {
                    if (flush(&parts, has_break, &out, &tmp) < 0) goto error;
                    has_break = 0;
                }
                if (!(kind & K_VOID)) {
                    depth++;
                    continue;
                }
            }
        } else {
            depth--;
        }
        /* the end of an element (an end tag, a void element, a skipped element) */
        if ((kind & K_BLOCK) && !(kind & K_PRE) && parts.len) {
            if (flush(&parts, has_break, &out, &tmp) < 0) goto error;
            has_break = 0;
        } else if (kind & K_CELL) {
            if (buf_push(&parts, ' ') < 0) goto error;
        }
        if (depth <= 0) break; /* the root's end: its tail is not its text */
    }
    if (parts.len && flush(&parts, has_break, &out, &tmp) < 0) goto error;
    result = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out.d, out.len);
    goto done;
decline:
    if (failed) goto error;
    result = Py_NewRef(Py_None);
    goto done;
error:
    result = NULL;
done:
    PyMem_Free(parts.d);
    PyMem_Free(out.d);
    PyMem_Free(tmp.d);
    PyMem_Free(pre.d);
    return result;
}

static PyMethodDef methods[] = {
    {"html_text", html_text, METH_O, html_text_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "feedvault.clean._ctext",
    "Plain text of serialised, cleaned HTML in C (see clean/text.py).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__ctext(void)
{
    return PyModule_Create(&module);
}
