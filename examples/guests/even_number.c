/* Even number: the guest of the EvenNumber example application
 * (contracts/src/examples/EvenNumber.sol, examples/onchain/even_number.py).
 * Input (private): a number x, 4 bytes little-endian.
 * Journal (public): abi.encode(uint256 x), 32 bytes big-endian, what the contract rebuilds.
 * Exit code: 0 if x is even; 1 if it is odd or the input is short (no journal then). */
#include <stdint.h>
#include <string.h>
#include <zkrv.h>

int main(void) {
    uint8_t in[4];
    if (zkrv_read(in, sizeof in) != sizeof in) return 1;
    uint32_t x = (uint32_t)in[0] | (uint32_t)in[1] << 8 | (uint32_t)in[2] << 16 |
                 (uint32_t)in[3] << 24;
    if (x & 1) return 1;
    uint8_t word[32];
    memset(word, 0, sizeof word);
    for (int i = 0; i < 4; i++) word[31 - i] = (uint8_t)(x >> (8 * i));
    zkrv_commit(word, sizeof word);
    return 0;
}
