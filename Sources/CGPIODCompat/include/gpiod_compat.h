#pragma once
int iost_gpiod_api_version(void);
