/*
 * viewutil.c - names, titles and sums shared by the views.
 */
#include <inttypes.h>
#include <string.h>

#include "viewutil.h"

int
vms_view_is_file(const struct vms_region *r)
{
	switch (r->label) {
	case VMS_LABEL_SYSV_SHM:
	case VMS_LABEL_MEMFD:
		return 0;
	default:
		return r->path != NULL && !vms_region_is_shared_anon(r);
	}
}

/* "[anon:x]" -> "[ anon:x ]" */
static const char *
spaced(const char *name, char *buf, size_t size)
{
	size_t n = strlen(name);

	if (n >= 2 && name[0] == '[' && name[n - 1] == ']')
		snprintf(buf, size, "[ %.*s ]", (int)(n - 2), name + 1);
	else
		snprintf(buf, size, "[ %s ]", name);
	return buf;
}

const char *
vms_view_name(const struct vms_region *r, int raw, char *buf, size_t size)
{
	if (raw) {
		if (r->path != NULL && !(r->flags & VMS_RF_DELETED))
			return r->path;
		if (r->path != NULL) {
			snprintf(buf, size, "%s (deleted)", r->path);
			return buf;
		}
		return r->name != NULL ? r->name : "";
	}
	switch (r->label) {
	case VMS_LABEL_HEAP:
		return "[ heap ]";
	case VMS_LABEL_STACK:
		return "[ stack ]";
	case VMS_LABEL_THREAD_STACK:
		snprintf(buf, size, "[ stack tid=%" PRIu64 " ]", r->label_id);
		return buf;
	case VMS_LABEL_GUARD:
		if (r->label_id != 0)
			snprintf(buf, size, "[ guard tid=%" PRIu64 " ]",
				 r->label_id);
		else
			snprintf(buf, size, "[ guard ]");
		return buf;
	case VMS_LABEL_VDSO:
		return "[ vdso ]";
	case VMS_LABEL_VVAR:
		return r->name != NULL ? spaced(r->name, buf, size) :
					 "[ vvar ]";
	case VMS_LABEL_VSYSCALL:
		return "[ vsyscall ]";
	case VMS_LABEL_SYSV_SHM:
		if (r->has & VMS_HAS_DEVINO)
			snprintf(buf, size, "[ shmid=0x%" PRIx64 " ]",
				 r->label_id);
		else
			snprintf(buf, size, "[ shm %s ]", r->path + 1);
		return buf;
	case VMS_LABEL_MEMFD:
		snprintf(buf, size, "[ %s ]", r->path + 1);
		return buf;
	default:
		break;
	}
	if (vms_region_is_shared_anon(r))
		return "[ anon ]";
	if (r->path != NULL && !(r->flags & VMS_RF_DELETED))
		return r->path;
	if (r->path != NULL) {
		snprintf(buf, size, "%s (deleted)", r->path);
		return buf;
	}
	if (r->name != NULL)
		return spaced(r->name, buf, size);
	return "[ anon ]";
}

void
vms_view_print_args(FILE *out, const struct vms_map *map)
{
	const struct vms_process *p = &map->proc;

	if (p->argc == 0) {
		if (p->comm != NULL)
			fprintf(out, "[%s]", p->comm);
		return;
	}
	for (size_t i = 0; i < p->argc; i++)
		fprintf(out, "%s%s", i ? " " : "", p->argv[i]);
}

/*
 * Signal names by number.  Linux numbers them alike on most machines;
 * MIPS, SPARC and Alpha differ, and there only the names of the signals
 * that kill a process by fault are given.
 */
static const char *
signame(const struct vms_map *map, int sig)
{
	static const char *const generic[] = {
		NULL, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP",
		"SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV",
		"SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT",
		"SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN",
		"SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM",
		"SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
	};
	/* EM_MIPS 8, EM_SPARC 2, EM_SPARCV9 43, EM_ALPHA 0x9026 */
	uint16_t m = map->arch.machine;

	if (m == 8 || m == 2 || m == 43 || m == 0x9026) {
		switch (sig) {
		case 4: return "SIGILL";
		case 5: return "SIGTRAP";
		case 6: return "SIGABRT";
		case 8: return "SIGFPE";
		case 9: return "SIGKILL";
		case 10: return "SIGBUS";
		case 11: return "SIGSEGV";
		default: return NULL;
		}
	}
	if (sig > 0 && (size_t)sig < sizeof(generic) / sizeof(generic[0]))
		return generic[sig];
	return NULL;
}

void
vms_view_print_fault(FILE *out, const struct vms_map *map)
{
	const struct vms_process *p = &map->proc;
	const char *name = signame(map, p->signo);

	if (!(p->has & VMS_P_FAULT))
		return;
	fprintf(out, "  signal %s (%d)", name != NULL ? name : "?", p->signo);
	if (p->has & VMS_P_FAULT_ADDR) {
		const struct vms_region *r = vms_map_find(map, p->fault_addr);

		fprintf(out, ", code %d, fault address 0x%" PRIx64 " (%s)",
			p->sigcode, p->fault_addr,
			r != NULL ? "mapped, marked <- fault" : "unmapped");
	}
	if (p->has & VMS_P_FAULT_TID)
		fprintf(out, ", thread %" PRIu64, p->fault_tid);
	fputc('\n', out);
}

void
vms_view_print_title(FILE *out, const struct vms_map *map)
{
	const struct vms_process *p = &map->proc;
	char pid[32] = "?";

	if (p->has & VMS_P_PID)
		snprintf(pid, sizeof(pid), "%" PRId64, p->pid);
	if (map->source.kind == VMS_SOURCE_LIVE)
		fprintf(out, "%s:\t", pid);
	else
		fprintf(out, "%s '%s' of %s:\t",
			map->source.kind == VMS_SOURCE_SNAPSHOT ? "snapshot" :
								  "core",
			map->source.name ? map->source.name : "", pid);
	vms_view_print_args(out, map);
	fputc('\n', out);
	vms_view_print_fault(out, map);
}

int
vms_view_in_range(const struct vms_region *r, const struct vms_view_opts *o)
{
	if (!(o->flags & VMS_VIEW_RANGE))
		return 1;
	return r->end > o->lo && r->start <= o->hi;
}

void
vms_sum_init(struct vms_sum *s)
{
	s->v = 0;
	s->known = 1;
}

void
vms_sum_add(struct vms_sum *s, const struct vms_region *r, enum vms_counter c)
{
	uint64_t v;

	if (vms_region_get(r, c, &v) < 0)
		s->known = 0;
	else
		s->v += v;
}

int
vms_view_addr_width(const struct vms_map *map)
{
	return map->arch.wordsize == 32 ? 8 : 16;
}

int
vms_view_maxprot(const struct vms_region *r)
{
	int m = 0;

	if (r->has & VMS_HAS_MAXPROT)
		return r->maxprot;
	if (!(r->has & VMS_HAS_VMFLAGS))
		return -1;
	if (r->vmflags & VMS_VMF(MR))
		m |= VMS_PROT_R;
	if (r->vmflags & VMS_VMF(MW))
		m |= VMS_PROT_W;
	if (r->vmflags & VMS_VMF(ME))
		m |= VMS_PROT_X;
	return m;
}

const char *
vms_view_cut(const char *s, size_t room, char *buf, size_t size)
{
	size_t n = strlen(s);

	if (n <= room || room < 4)
		return s;
	snprintf(buf, size, "...%s", s + n - (room - 3));
	return buf;
}
