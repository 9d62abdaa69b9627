/* Runtime test: zkrv_read in chunk sizes 1..7 into unaligned buffers, echoed to the journal. */
#include <zkrv.h>
int main(void) {
    static uint8_t buf[64];
    uint32_t k = 0, total = 0;
    for (;;) {
        uint32_t chunk = 1 + (k % 7), off = k % 3;
        size_t n = zkrv_read(buf + off, chunk);
        if (n == 0) break;
        zkrv_commit(buf + off, n);
        total += n;
        k++;
        if (n < chunk) { /* short read only at the end */
            if (zkrv_read(buf, 4) != 0) return 99;
            break;
        }
    }
    if (zkrv_read(buf, 0) != 0) return 98;
    return (int)(total & 0xFF);
}
