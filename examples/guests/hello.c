/* Hello: greets the (private) name given as input and publishes only the greeting's length
 * and a byte checksum of the name. */
#include <string.h>
#include <zkrv.h>

int main(void) {
    char name[64];
    size_t n = zkrv_read(name, sizeof name - 1);
    name[n] = 0;
    char msg[96] = "hello, ";
    memcpy(msg + 7, n ? name : "world", n ? n + 1 : 6);
    zkrv_log(msg);               /* goes to the host log only: not public */
    uint32_t len = (uint32_t)strlen(msg), sum = 0;
    for (size_t i = 0; i < n; i++) sum += (uint8_t)name[i];
    zkrv_commit(&len, 4);
    zkrv_commit(&sum, 4);
    return 0;
}
