/*
 * A growable array of code points, shared by feedvault's C extensions
 * (search/_ctokens.c, clean/_ctext.c). Errors set MemoryError and return -1.
 */
#ifndef FEEDVAULT_UCS4BUF_H
#define FEEDVAULT_UCS4BUF_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct {
    Py_UCS4 *d;
    Py_ssize_t len, cap;
} Buf;

/* Room for `extra` more code points. */
static inline int
buf_reserve(Buf *b, Py_ssize_t extra)
{
    if (b->len + extra <= b->cap) return 0;
    Py_ssize_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra) cap *= 2;
    Py_UCS4 *d = PyMem_Realloc(b->d, (size_t)cap * sizeof(Py_UCS4));
    if (d == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    b->d = d;
    b->cap = cap;
    return 0;
}

static inline int
buf_push(Buf *b, Py_UCS4 c)
{
    if (buf_reserve(b, 1) < 0) return -1;
    b->d[b->len++] = c;
    return 0;
}

#endif
