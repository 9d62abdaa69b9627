/* Differential guest: every load/store width and signedness, unaligned-by-design byte
 * offsets within words, struct copies, memmove overlap, .data/.bss/.rodata and the heap. */
#include <string.h>
#include <zkrv.h>

int8_t s8[16] = {-128, -1, 0, 1, 127, -2, 64, -64};
uint8_t u8[16] = {255, 128, 0, 1, 127};
int16_t s16[8] = {-32768, -1, 0, 1, 32767, -300};
uint16_t u16[8] = {65535, 32768, 0, 1, 32767};
int32_t s32[8] = {-2147483647 - 1, -1, 0, 1, 2147483647};
static uint32_t bss_words[64];
static uint8_t bss_bytes[67];
static const char msg[] = "rodata string: zkrv";

struct rec { uint8_t a; uint16_t b; uint32_t c; int8_t d; uint8_t pad[5]; };

static void commit_u32(uint32_t v) { zkrv_commit(&v, 4); }

int main(void) {
    uint8_t in[64] = {0};
    size_t n = zkrv_read(in, sizeof in);
    for (size_t i = 0; i < n; i++) {
        s8[i & 15] ^= (int8_t)in[i];
        u8[(i + 3) & 15] += in[i];
        s16[i & 7] -= (int16_t)(in[i] * 257);
        u16[(i * 3) & 7] ^= (uint16_t)(in[i] << (i & 8));
        s32[i & 7] += (int32_t)((uint32_t)in[i] << 24);
        bss_bytes[(i * 7) % 67] += in[i];
    }
    int32_t acc = 0;
    for (int i = 0; i < 16; i++) acc = acc * 31 + s8[i];
    for (int i = 0; i < 16; i++) acc = acc * 31 + u8[i];
    for (int i = 0; i < 8; i++) acc = acc * 31 + s16[i];
    for (int i = 0; i < 8; i++) acc = acc * 31 + u16[i];
    for (int i = 0; i < 8; i++) acc = acc * 31 + s32[i];
    commit_u32((uint32_t)acc);
    zkrv_commit(s8, sizeof s8); zkrv_commit(u8, sizeof u8); zkrv_commit(s16, sizeof s16);
    zkrv_commit(u16, sizeof u16); zkrv_commit(s32, sizeof s32);
    /* sub-word views of words */
    for (int i = 0; i < 64; i++) bss_words[i] = (uint32_t)i * 0x01020304u ^ (n ? in[i % n] : 0);
    uint8_t *bp = (uint8_t *)bss_words;
    int16_t *hp = (int16_t *)bss_words;
    int8_t *sbp = (int8_t *)bss_words;
    uint32_t t = 0;
    for (int i = 0; i < 256; i++) t = t * 3 + bp[i] + (uint32_t)sbp[255 - i];
    for (int i = 0; i < 128; i++) t ^= (uint32_t)hp[i] << (i & 15);
    commit_u32(t);
    zkrv_commit(bss_bytes, sizeof bss_bytes);
    /* structs, memcpy/memmove/memset/memcmp */
    struct rec r[4];
    memset(r, 0xA5, sizeof r);
    for (int i = 0; i < 4; i++) { r[i].a = (uint8_t)(i + in[0]); r[i].b = (uint16_t)(i * 1000); r[i].c = 0xCAFEBABE ^ (uint32_t)i; r[i].d = (int8_t)-i; }
    struct rec copy = r[2];
    r[3] = copy;
    zkrv_commit(r, sizeof r);
    char buf[40];
    memcpy(buf, msg, sizeof msg);
    memmove(buf + 3, buf, 20);
    memmove(buf, buf + 5, 20);
    zkrv_commit(buf, sizeof msg);
    commit_u32((uint32_t)memcmp(buf, msg, 5) + 7);
    commit_u32((uint32_t)strlen(msg));
    /* heap */
    uint32_t *h = malloc(1000 * sizeof *h);
    uint16_t *g = calloc(77, sizeof *g);
    for (int i = 0; i < 1000; i++) h[i] = (uint32_t)i * 2654435761u;
    for (int i = 0; i < 77; i++) g[i] += (uint16_t)h[i * 13];
    free(h);
    uint32_t *h2 = malloc(10 * sizeof *h2);
    h2 = realloc(h2, 5000);
    g = realloc(g, 400);
    zkrv_commit(g, 77 * 2);
    commit_u32(h2 != 0);
    return (int)(t & 0x3F);
}
