/* A simple first-fit heap between the end of .bss and the stack reservation (__heap_start,
 * __heap_end from the linker script). Blocks carry an 8-byte header; freed blocks go on a free
 * list and are reused first-fit (no coalescing: guests are short-lived). Out of memory -> NULL. */
#include <stddef.h>
#include <stdint.h>

extern char __heap_start[], __heap_end[];

typedef struct hdr {
    size_t size;        /* usable bytes after the header */
    struct hdr *next;   /* free-list link (only while free) */
} hdr;

static char *brk_ptr;
static hdr *free_list;

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memset(void *dst, int c, size_t n);

void *malloc(size_t size) {
    if (size == 0) size = 1;
    if (size > (size_t)(__heap_end - __heap_start)) return NULL;
    size = (size + 7) & ~(size_t)7;
    for (hdr **pp = &free_list; *pp; pp = &(*pp)->next) {
        hdr *h = *pp;
        if (h->size >= size) {
            *pp = h->next;
            return h + 1;
        }
    }
    if (!brk_ptr) brk_ptr = (char *)(((uintptr_t)__heap_start + 7) & ~(uintptr_t)7);
    if ((size_t)(__heap_end - brk_ptr) < sizeof(hdr) + size) return NULL;
    hdr *h = (hdr *)(void *)brk_ptr;
    h->size = size;
    brk_ptr += sizeof(hdr) + size;
    return h + 1;
}

void free(void *ptr) {
    if (!ptr) return;
    hdr *h = (hdr *)ptr - 1;
    h->next = free_list;
    free_list = h;
}

void *calloc(size_t n, size_t size) {
    if (size && n > (size_t)-1 / size) return NULL;
    void *p = malloc(n * size);
    if (p) memset(p, 0, n * size);
    return p;
}

void *realloc(void *ptr, size_t size) {
    if (!ptr) return malloc(size);
    hdr *h = (hdr *)ptr - 1;
    if (h->size >= size) return ptr;
    void *q = malloc(size);
    if (q) {
        memcpy(q, ptr, h->size);
        free(ptr);
    }
    return q;
}
