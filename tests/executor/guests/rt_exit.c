/* Runtime test: zkrv_exit from a nested call with a full 32-bit code; nothing after it runs. */
#include <zkrv.h>
__attribute__((noinline)) static void deep(uint32_t n) {
    if (n == 0) {
        zkrv_commit("bye", 3);
        zkrv_exit(0xFFFFFFFFu);
    }
    deep(n - 1);
}
int main(void) {
    deep(10);
    zkrv_commit("unreachable", 11);
    return 3;
}
