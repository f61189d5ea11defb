/*
 * elfnote.c - the NT_GNU_BUILD_ID note among ELF notes held in memory,
 * for the readers that parse ELF by hand (the core reader on a module's
 * first page, the live reader on a file's PT_NOTE), and build-ids as hex.
 *
 * Spec followed: the System V gABI note layout (namesz, descsz, type,
 * then name and desc each padded to the segment's alignment, 4 or 8) and
 * <elf.h> for NT_GNU_BUILD_ID.  libelf's gelf_getnote() does the same
 * walk for elfmod.c, which has the whole file.
 */
#include <string.h>

#include "internal.h"

#define NT_GNU_BUILD_ID_ 3

static uint64_t
align_up(uint64_t v, unsigned a)
{
	return (v + a - 1) & ~(uint64_t)(a - 1);
}

size_t
vms_note_build_id(const unsigned char *notes, size_t n, int be, unsigned align,
		  unsigned char *out)
{
	unsigned a = align == 8 ? 8 : 4;
	uint64_t o = 0;

	/* o stays within n: a desc unpadded at the very end stops the walk. */
	while (o <= n && n - o >= 12) {
		const unsigned char *h = notes + o;
		uint32_t nsz = vms_get32(be, h), dsz = vms_get32(be, h + 4);
		uint64_t d = align_up(o + 12 + (uint64_t)nsz, a);

		if (d > n || dsz > n - d)
			return 0;
		if (nsz == 4 && memcmp(h + 12, "GNU", 4) == 0 &&
		    vms_get32(be, h + 8) == NT_GNU_BUILD_ID_) {
			/*
			 * A build-id note that holds none is damage, not a
			 * reason to trust whatever note follows it.
			 */
			if (dsz == 0 || dsz > VMS_BUILD_ID_MAX)
				return 0;
			memcpy(out, notes + d, dsz);
			return dsz;
		}
		o = align_up(d + dsz, a);
	}
	return 0;
}

void
vms_build_id_hex(char *dst, const unsigned char *id, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		dst[2 * i] = digits[id[i] >> 4];
		dst[2 * i + 1] = digits[id[i] & 15];
	}
	dst[2 * n] = '\0';
}
