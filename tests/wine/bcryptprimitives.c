/*
 * A stand-in for Windows' bcryptprimitives.dll, for running the Windows binary under Wine only.
 *
 * Rust's standard library takes random bytes from ProcessPrng in bcryptprimitives.dll, which
 * every Windows 10 and later has; Wine 8 (Debian 12) does not. This provides ProcessPrng on top
 * of RtlGenRandom (advapi32's SystemFunction036). It is placed beside the program under test and
 * is never shipped: on Windows, bcryptprimitives.dll is a known DLL, always loaded from System32.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x7fffffff ? 0x7fffffff : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
