/* Runtime test: the 64-bit division helpers on operand pairs from the input. */
#include <zkrv.h>
int main(void) {
    uint64_t v[2];
    while (zkrv_read(v, 16) == 16) {
        uint64_t a = v[0], b = v[1];
        uint64_t r[4] = {a / b, a % b, (uint64_t)((int64_t)a / (int64_t)b),
                         (uint64_t)((int64_t)a % (int64_t)b)};
        zkrv_commit(r, sizeof r);
    }
    return 0;
}
