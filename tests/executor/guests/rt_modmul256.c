/* Runtime test: zkrv_modmul256 on (a, b, m) triples from the input (96 bytes each); the journal
 * is the results, 32 bytes each. */
#include <zkrv.h>

int main(void) {
    uint32_t in[24], out[8];
    while (zkrv_read(in, sizeof in) == sizeof in) {
        zkrv_modmul256(out, in, in + 8, in + 16);
        zkrv_commit(out, sizeof out);
    }
    return 0;
}
