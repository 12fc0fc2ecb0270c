/*
 * Flash is read-only from reset on: one ARMv7-M MPU region over the board's whole flash, read-only and executable,
 * with the default memory map (PRIVDEFENA) everywhere else.
 *
 * The base heap (hal/runtime/base.c) is shared by every machine and lives in flash; a write into it is always a
 * bug (an engine path that forgot copy-on-write, a wild pointer). Real flash would ignore such a write and QEMU's
 * mps2 "flash", which is RAM, would apply it; either way the bug would hide. With this region it is a MemManage
 * fault with the address (startup.c reports it). One region suffices because flash regions are power-of-two sized
 * and aligned on every supported board; a board where they are not keeps flash unprotected rather than guessing.
 */
#include "cortex_m.h"
#include "hal.h"

#define MPU_TYPE REG32(0xE000ED90)
#define MPU_CTRL REG32(0xE000ED94)
#define MPU_RNR REG32(0xE000ED98)
#define MPU_RBAR REG32(0xE000ED9C)
#define MPU_RASR REG32(0xE000EDA0)

#define MPU_CTRL_ENABLE (1u << 0)
#define MPU_CTRL_PRIVDEFENA (1u << 2)
#define RASR_ENABLE (1u << 0)
#define RASR_AP_READ_ONLY (6u << 24) /* privileged and unprivileged: read-only */
#define RASR_C (1u << 17) /* normal memory, write-through: what flash is */

extern char __flash_start__[], __flash_end__[];

void hal_protect_flash(void)
{
	uint32_t base = (uint32_t)__flash_start__;
	uint32_t size = (uint32_t)(__flash_end__ - __flash_start__);
	if (((MPU_TYPE >> 8) & 0xFF) == 0 || size < 32 || (size & (size - 1)) || (base & (size - 1)))
		return;
	uint32_t log2 = 31 - (uint32_t)__builtin_clz(size);
	MPU_RNR = 0;
	MPU_RBAR = base;
	MPU_RASR = RASR_AP_READ_ONLY | RASR_C | ((log2 - 1) << 1) | RASR_ENABLE;
	MPU_CTRL = MPU_CTRL_PRIVDEFENA | MPU_CTRL_ENABLE;
	cm_dsb();
	cm_isb();
}
